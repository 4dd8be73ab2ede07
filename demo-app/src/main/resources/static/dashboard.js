/*
 * Evergreen demo dashboard. Polls /actuator/evergreen and /actuator/health every second, keeps the last two
 * minutes of readings and draws them as plain SVG. Every piece of data reaches the DOM through textContent or
 * attributes: nothing from the server is parsed as HTML.
 */
'use strict';

(function () {
    const POLL_MS = 1000;
    const WINDOW_MS = 120 * 1000;
    const FETCH_TIMEOUT_MS = 5000;
    const SVG_NS = 'http://www.w3.org/2000/svg';
    const STATES = [
        {key: 'running', label: 'running', color: '#3fb950'},
        {key: 'runnable', label: 'runnable', color: '#d29922'},
        {key: 'parked', label: 'parked', color: '#58a6ff'},
    ];
    const LOOP_COLORS = ['#58a6ff', '#f778ba', '#3fb950', '#d29922', '#a371f7', '#39c5cf', '#ff7b72', '#e3b341'];
    const STARTED_COLOR = '#a371f7';

    /** One reading per successful poll: {t, running, runnable, parked, live, p99: [per loop], startedRate}. */
    const history = [];
    let lastCounters = null;
    let lastSnapshot = null;
    let polls = 0;
    let pollTimer = null;
    let polling = false;

    // ---------------------------------------------------------------- formatting

    const intFormat = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});

    function fmtInt(value) {
        return intFormat.format(value);
    }

    function fmtMs(value) {
        if (!Number.isFinite(value)) {
            return '–';
        }
        if (value === 0) {
            return '0';
        }
        if (value < 1) {
            return value.toFixed(2);
        }
        if (value < 100) {
            return value.toFixed(1);
        }
        return intFormat.format(Math.round(value));
    }

    function fmtRate(value) {
        if (!Number.isFinite(value)) {
            return '–';
        }
        return value < 10 ? value.toFixed(1) : intFormat.format(Math.round(value));
    }

    function latencyClass(ms) {
        return ms < 10 ? 'lat-good' : ms < 100 ? 'lat-warn' : 'lat-bad';
    }

    function clock(date) {
        return date.toLocaleTimeString('en-GB', {hour12: false});
    }

    // ---------------------------------------------------------------- DOM helpers

    function el(tag, attrs, text) {
        const node = document.createElement(tag);
        if (attrs) {
            for (const [name, value] of Object.entries(attrs)) {
                node.setAttribute(name, value);
            }
        }
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    function svgEl(tag, attrs, text) {
        const node = document.createElementNS(SVG_NS, tag);
        for (const [name, value] of Object.entries(attrs || {})) {
            node.setAttribute(name, String(value));
        }
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    function setText(node, text) {
        if (node && node.textContent !== text) {
            node.textContent = text;
        }
    }

    /** Shows a number: the raw value in data-value for tests and tools, the formatted one as text. */
    function show(node, value, text) {
        if (!node) {
            return;
        }
        const raw = String(value);
        if (node.dataset.value !== raw) {
            node.dataset.value = raw;
        }
        setText(node, text !== undefined ? text : fmtInt(value));
        if (node.classList.contains('bad-if-nonzero')) {
            node.classList.toggle('nonzero', value > 0);
        }
    }

    function metric(name) {
        return document.querySelector('[data-metric="' + name + '"]');
    }

    function showMetric(name, value, text) {
        show(metric(name), value, text);
    }

    // ---------------------------------------------------------------- polling

    async function getJson(url) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
        try {
            const response = await fetch(url, {
                cache: 'no-store',
                headers: {Accept: 'application/json'},
                signal: controller.signal,
            });
            let body = null;
            try {
                body = await response.json();
            } catch (ignored) {
                body = null;
            }
            return {ok: response.ok, status: response.status, body: body};
        } finally {
            clearTimeout(timer);
        }
    }

    async function poll() {
        pollTimer = null;
        polling = true;
        const began = performance.now();
        try {
            const [evergreen, health] = await Promise.allSettled([
                getJson('actuator/evergreen'),
                getJson('actuator/health'),
            ]);
            if (evergreen.status === 'fulfilled' && evergreen.value.ok && evergreen.value.body) {
                polls++;
                render(evergreen.value.body);
                setConnection('live', 'live');
            } else {
                const why = evergreen.status === 'fulfilled'
                    ? 'HTTP ' + evergreen.value.status
                    : (evergreen.reason && evergreen.reason.name === 'AbortError' ? 'timed out' : 'unreachable');
                setConnection('lost', 'no data: ' + why);
            }
            renderHealth(health);
        } finally {
            polling = false;
            schedule(Math.max(0, POLL_MS - (performance.now() - began)));
        }
    }

    function schedule(delay) {
        if (pollTimer !== null) {
            clearTimeout(pollTimer);
        }
        pollTimer = setTimeout(poll, delay);
    }

    /** An extra reading soon, so short bursts from the "try it" panel show up between the regular polls. */
    function pollSoon(delay) {
        if (!polling) {
            schedule(delay);
        }
    }

    function setConnection(state, text) {
        const node = document.getElementById('connection');
        if (node.dataset.state !== state) {
            node.dataset.state = state;
        }
        setText(document.getElementById('connection-text'), text);
    }

    function renderHealth(result) {
        const badge = document.getElementById('health');
        let status;
        if (result.status === 'fulfilled' && result.value.body && typeof result.value.body.status === 'string') {
            status = result.value.body.status;
            badge.title = 'GET /actuator/health: ' + status;
        } else {
            status = 'DOWN';
            badge.title = 'GET /actuator/health failed';
        }
        setText(badge, status);
        badge.dataset.value = status;
        // Which parts are not UP: while a loop is blocked, the evergreen component is DOWN.
        const components = result.status === 'fulfilled' && result.value.body ? result.value.body.components : null;
        const down = components && typeof components === 'object'
            ? Object.keys(components).filter(name => components[name] && components[name].status !== 'UP').sort()
            : [];
        const detail = document.getElementById('health-detail');
        setText(detail, down.join(', '));
        detail.hidden = status === 'UP' || down.length === 0;
        badge.className = 'badge ' + (status === 'UP' ? 'badge-up' : status === 'UNKNOWN' ? 'badge-unknown' : 'badge-down');
    }

    // ---------------------------------------------------------------- rendering a snapshot

    function render(data) {
        lastSnapshot = data;
        const now = Date.now();
        const loops = Array.isArray(data.loops) ? data.loops : [];
        const fibers = data.fibers || {};

        showMetric('scheduler', data.scheduler, String(data.scheduler));
        showMetric('loop-count', data.loopCount);
        showMetric('blocked-threshold', data.blockedThresholdMillis, fmtMs(data.blockedThresholdMillis));
        showMetric('shared-queue', data.sharedQueueDepth);

        let startedRate = NaN;
        if (lastCounters && fibers.started >= lastCounters.started && now > lastCounters.t) {
            startedRate = (fibers.started - lastCounters.started) / ((now - lastCounters.t) / 1000);
        }
        lastCounters = {t: now, started: fibers.started};

        showMetric('fibers-live', fibers.live);
        showMetric('fibers-running', fibers.running);
        showMetric('fibers-runnable', fibers.runnable);
        showMetric('fibers-parked', fibers.parked);
        showMetric('fibers-started', fibers.started);
        showMetric('fibers-started-rate', Number.isFinite(startedRate) ? startedRate : '', fmtRate(startedRate));
        showMetric('fibers-completed', fibers.completed);
        showMetric('fibers-succeeded', fibers.succeeded);
        showMetric('fibers-failed', fibers.failed);
        showMetric('fibers-cancelled', fibers.cancelled);

        let blockedTotal = 0;
        let blockedNow = 0;
        for (const loop of loops) {
            blockedTotal += loop.blocked ? loop.blocked.count : 0;
            blockedNow += loop.blocked && loop.blocked.now ? 1 : 0;
        }
        showMetric('blocked-total', blockedTotal);
        showMetric('blocked-now', blockedNow);

        renderLoops(loops);
        renderLocalStorage(data.localStorage || {});
        renderBlockedEvents(Array.isArray(data.blockedEvents) ? data.blockedEvents : []);

        history.push({
            t: now,
            running: fibers.running,
            runnable: fibers.runnable,
            parked: fibers.parked,
            live: fibers.live,
            p99: loops.map(loop => loop.latency ? loop.latency.p99Millis : NaN),
            startedRate: startedRate,
        });
        while (history.length > 0 && history[0].t < now - WINDOW_MS) {
            history.shift();
        }
        drawCharts();

        showMetric('last-update', now, clock(new Date(now)));
        showMetric('polls', polls);
    }

    // ---------------------------------------------------------------- loops table

    const LOOP_COLUMNS = [
        {name: 'fibers-live', value: l => l.fibers.live},
        {name: 'fibers-running', value: l => l.fibers.running},
        {name: 'fibers-runnable', value: l => l.fibers.runnable},
        {name: 'fibers-parked', value: l => l.fibers.parked},
        {name: 'queue-ready', value: l => l.queues.ready, sep: true},
        {name: 'queue-external', value: l => l.queues.external},
        {name: 'queue-timers', value: l => l.queues.timers},
        {name: 'latency-p50', value: l => l.latency.p50Millis, ms: true, sep: true},
        {name: 'latency-p99', value: l => l.latency.p99Millis, ms: true},
        {name: 'latency-max', value: l => l.latency.maxMillis, ms: true},
    ];

    function renderLoops(loops) {
        const body = document.getElementById('loops-body');
        if (body.children.length !== loops.length
            || loops.some((loop, i) => body.children[i].dataset.loop !== String(loop.index))) {
            body.replaceChildren(...loops.map(loop => loopRow(loop.index)));
        }
        body.dataset.rows = String(loops.length);
        loops.forEach((loop, i) => updateLoopRow(body.children[i], loop));
    }

    function loopRow(index) {
        const row = el('tr', {'data-loop': String(index)});
        const nameCell = el('td', {class: 'left'});
        const name = el('div', {class: 'loop-name'});
        name.append(el('span', {class: 'swatch', style: 'background:' + loopColor(index)}), el('span', null, 'loop ' + index));
        nameCell.append(name, el('div', {class: 'loop-thread', 'data-metric': 'loop-' + index + '-thread'}),
            el('div', {class: 'loop-state', 'data-metric': 'loop-' + index + '-state'}));
        row.append(nameCell);
        for (const column of LOOP_COLUMNS) {
            row.append(el('td', {class: column.sep ? 'sep' : '', 'data-metric': 'loop-' + index + '-' + column.name}));
        }
        const busyCell = el('td', {class: 'left sep'});
        const busy = el('div', {class: 'busy'});
        const bar = el('div', {class: 'busy-bar'});
        bar.append(el('div', {class: 'busy-fill', 'data-role': 'busy-fill'}));
        busy.append(bar, el('span', {class: 'busy-text', 'data-metric': 'loop-' + index + '-busy'}));
        busyCell.append(busy);
        row.append(busyCell);
        const blockedCell = el('td');
        blockedCell.append(el('span', {'data-metric': 'loop-' + index + '-blocked-count'}),
            el('span', {class: 'flag flag-bad', 'data-metric': 'loop-' + index + '-blocked-now', hidden: ''}, 'BLOCKED'));
        row.append(blockedCell);
        return row;
    }

    function updateLoopRow(row, loop) {
        const prefix = 'loop-' + loop.index + '-';
        const find = name => row.querySelector('[data-metric="' + prefix + name + '"]');
        setText(find('thread'), String(loop.thread));
        const state = find('state');
        setText(state, String(loop.state));
        state.classList.toggle('stopped', loop.state !== 'running');
        for (const column of LOOP_COLUMNS) {
            const cell = find(column.name);
            const value = column.value(loop);
            if (column.ms) {
                show(cell, value, fmtMs(value));
                cell.className = (column.sep ? 'sep ' : '') + (column.name === 'latency-p50' ? '' : latencyClass(value));
            } else {
                show(cell, value);
                cell.className = (column.sep ? 'sep' : '') + (value === 0 ? ' zero' : '');
            }
        }
        const ratio = Math.max(0, Math.min(1, Number(loop.busyRatio) || 0));
        const fill = row.querySelector('[data-role="busy-fill"]');
        fill.style.width = (ratio * 100).toFixed(1) + '%';
        fill.className = 'busy-fill' + (ratio >= 0.9 ? ' bad' : ratio >= 0.7 ? ' warn' : '');
        show(find('busy'), loop.busyRatio, Math.round(ratio * 100) + '%');
        const blocked = loop.blocked || {count: 0, now: false};
        show(find('blocked-count'), blocked.count);
        find('blocked-count').className = blocked.count > 0 ? 'lat-bad' : 'zero';
        const now = find('blocked-now');
        now.hidden = !blocked.now;
        now.dataset.value = String(Boolean(blocked.now));
    }

    function loopColor(index) {
        return LOOP_COLORS[index % LOOP_COLORS.length];
    }

    // ---------------------------------------------------------------- local storage

    function renderLocalStorage(storage) {
        const lookups = storage.lookups || {};
        const beans = storage.scopedBeans || {};
        showMetric('ls-fiberlocal-keys', storage.fiberLocalKeys);
        showMetric('ls-live-entries', storage.liveEntries);
        showMetric('ls-sets', storage.sets);
        showMetric('ls-inherited-copies', storage.inheritedCopies);
        showMetric('ls-lookups-hit', lookups.hit);
        showMetric('ls-lookups-miss', lookups.miss);
        showMetric('ls-lookups-initial', lookups.initial);
        const total = (lookups.hit || 0) + (lookups.miss || 0) + (lookups.initial || 0);
        showMetric('ls-hit-ratio', total > 0 ? lookups.hit / total : '',
            total > 0 ? (100 * lookups.hit / total).toFixed(1) + '%' : '–');
        showMetric('ls-beans-live', beans.live);
        showMetric('ls-beans-created', beans.created);
        showMetric('ls-beans-destroyed', beans.destroyed);
    }

    // ---------------------------------------------------------------- blocked events

    function renderBlockedEvents(events) {
        const list = document.getElementById('blocked-events');
        const existing = new Map();
        for (const node of list.children) {
            existing.set(node.dataset.sequence, node);
        }
        const wanted = events.map(event => {
            const key = String(event.sequence);
            let node = existing.get(key);
            if (!node) {
                node = eventNode(event);
            }
            existing.delete(key);
            updateEventNode(node, event);
            return node;
        });
        for (const stale of existing.values()) {
            stale.remove();
        }
        const inOrder = wanted.length === list.children.length && wanted.every((node, i) => list.children[i] === node);
        if (!inOrder) {
            list.append(...wanted);
        }
        list.dataset.count = String(events.length);
        showMetric('blocked-events', events.length);
    }

    function eventNode(event) {
        const details = el('details', {class: 'event', 'data-sequence': String(event.sequence)});
        const summary = el('summary');
        const started = new Date(event.startedAt);
        const time = el('span', {class: 'time', title: String(event.startedAt)},
            Number.isNaN(started.getTime()) ? String(event.startedAt) : clock(started));
        summary.append(time,
            el('span', {class: 'loop'}, 'loop ' + event.loop),
            el('span', {class: 'culprit', title: String(event.culprit)}, String(event.culprit)),
            el('span', {class: 'num duration', 'data-role': 'duration'}),
            el('span', {class: 'num', 'data-role': 'flag'}));
        const meta = el('div', {class: 'hint', style: 'margin: 0 12px 6px 28px'},
            '#' + event.sequence + ' · thread ' + event.thread + ' · '
            + (event.fiberId >= 0 ? 'fiber id ' + event.fiberId : 'a callback, not a fiber')
            + ' · threshold ' + fmtMs(event.thresholdMillis) + ' ms · stack when detected:');
        const stack = Array.isArray(event.stack) ? event.stack : [];
        const pre = el('pre', null, stack.length > 0 ? stack.join('\n') : '(no stack)');
        details.append(summary, meta, pre);
        return details;
    }

    function updateEventNode(node, event) {
        show(node.querySelector('[data-role="duration"]'), event.durationMillis, fmtMs(event.durationMillis) + ' ms');
        const flag = node.querySelector('[data-role="flag"]');
        const label = event.ongoing ? 'ONGOING' : 'ended';
        if (flag.textContent !== label) {
            flag.replaceChildren(el('span', {class: 'flag ' + (event.ongoing ? 'flag-bad' : 'flag-done')}, label));
        }
        node.dataset.ongoing = String(Boolean(event.ongoing));
        node.classList.toggle('ongoing', Boolean(event.ongoing));
    }

    // ---------------------------------------------------------------- charts

    function drawCharts() {
        if (history.length === 0) {
            return;
        }
        const now = history[history.length - 1].t;
        drawFibersChart(now);
        drawLatencyChart(now);
        drawStartedChart(now);
    }

    function drawFibersChart(now) {
        const svg = document.getElementById('chart-fibers');
        const frame = chartFrame(svg, now);
        const points = history.filter(p => Number.isFinite(p.live));
        const maxTotal = Math.max(0, ...points.map(p => p.running + p.runnable + p.parked));
        const scale = linearScale(frame, maxTotal, 4, true);
        drawGrid(svg, frame, scale);
        const base = points.map(() => 0);
        for (const state of STATES) {
            const top = points.map((p, i) => base[i] + p[state.key]);
            const upper = points.map((p, i) => [frame.x(p.t), scale.y(top[i])]);
            const lower = points.map((p, i) => [frame.x(p.t), scale.y(base[i])]).reverse();
            if (points.length > 1) {
                svg.append(svgEl('path', {
                    d: 'M' + upper.concat(lower).map(xy => xy[0].toFixed(1) + ',' + xy[1].toFixed(1)).join('L') + 'Z',
                    fill: state.color, 'fill-opacity': 0.28, stroke: 'none', 'data-series': state.key,
                }));
                svg.append(svgEl('path', {
                    d: linePath(upper), fill: 'none', stroke: state.color, 'stroke-width': 1.5,
                    'stroke-linejoin': 'round',
                }));
            }
            top.forEach((value, i) => { base[i] = value; });
        }
        finishChart(svg, frame, points.length);
        const last = points[points.length - 1];
        legend('legend-fibers', STATES.map(s => ({color: s.color, label: s.label, value: last ? fmtInt(last[s.key]) : '–'})));
    }

    function drawLatencyChart(now) {
        const svg = document.getElementById('chart-latency');
        const frame = chartFrame(svg, now);
        const loopCount = history.reduce((n, p) => Math.max(n, p.p99.length), 0);
        const threshold = lastSnapshot ? Number(lastSnapshot.blockedThresholdMillis) : NaN;
        const values = history.flatMap(p => p.p99).filter(Number.isFinite);
        const scale = logScale(frame, Math.max(0, ...values, Number.isFinite(threshold) ? threshold : 0));
        drawGrid(svg, frame, scale);
        if (Number.isFinite(threshold) && threshold > 0) {
            const y = scale.y(threshold);
            svg.append(svgEl('line', {class: 'threshold', x1: frame.left, x2: frame.right, y1: y, y2: y, stroke: '#f85149'}));
        }
        const counts = [];
        const items = [];
        for (let loop = 0; loop < loopCount; loop++) {
            const points = history.filter(p => Number.isFinite(p.p99[loop])).map(p => [frame.x(p.t), scale.y(p.p99[loop])]);
            counts.push(points.length);
            const color = loopColor(loop);
            if (points.length > 0) {
                svg.append(svgEl('path', {
                    d: linePath(points), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round',
                    'data-loop': loop, 'data-points': points.length,
                }));
                const lastPoint = points[points.length - 1];
                svg.append(svgEl('circle', {cx: lastPoint[0], cy: lastPoint[1], r: 3, fill: color}));
            }
            const last = history[history.length - 1].p99[loop];
            items.push({color: color, label: 'loop ' + loop, value: Number.isFinite(last) ? fmtMs(last) + ' ms' : '–'});
        }
        if (Number.isFinite(threshold) && threshold > 0) {
            // Over the lines, with a halo in the panel's colour so that it stays legible; under the line at the top.
            const y = scale.y(threshold);
            svg.append(svgEl('text', {
                class: 'threshold-label', x: frame.left + 6, y: y - 5 < frame.top + 10 ? y + 13 : y - 5, fill: '#f85149',
            }, 'blocked ≥ ' + fmtMs(threshold) + ' ms'));
        }
        finishChart(svg, frame, counts.length > 0 ? Math.min(...counts) : 0);
        legend('legend-latency', items);
    }

    function drawStartedChart(now) {
        const svg = document.getElementById('chart-started');
        const frame = chartFrame(svg, now);
        const points = history.filter(p => Number.isFinite(p.startedRate));
        const scale = linearScale(frame, Math.max(0, ...points.map(p => p.startedRate)), 3, false);
        drawGrid(svg, frame, scale);
        if (points.length > 1) {
            const line = points.map(p => [frame.x(p.t), scale.y(p.startedRate)]);
            const area = line.concat([[line[line.length - 1][0], frame.bottom], [line[0][0], frame.bottom]]);
            svg.append(svgEl('path', {d: linePath(area) + 'Z', fill: STARTED_COLOR, 'fill-opacity': 0.2, stroke: 'none'}));
            svg.append(svgEl('path', {d: linePath(line), fill: 'none', stroke: STARTED_COLOR, 'stroke-width': 2, 'stroke-linejoin': 'round'}));
        }
        finishChart(svg, frame, points.length);
        const last = points[points.length - 1];
        legend('legend-started', [{color: STARTED_COLOR, label: 'started', value: last ? fmtRate(last.startedRate) + ' /s' : '–'}]);
    }

    /** Clears the SVG, sizes its viewBox to its box in pixels (so text is never stretched) and maps time to x. */
    function chartFrame(svg, now) {
        const width = Math.max(200, Math.round(svg.clientWidth || 600));
        const height = Math.max(100, Math.round(svg.clientHeight || 220));
        svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
        svg.replaceChildren();
        const frame = {left: 48, right: width - 8, top: 8, bottom: height - 22, width: width, height: height, now: now};
        frame.x = t => frame.left + (t - (now - WINDOW_MS)) / WINDOW_MS * (frame.right - frame.left);
        return frame;
    }

    function niceStep(raw) {
        const power = Math.pow(10, Math.floor(Math.log10(raw)));
        const fraction = raw / power;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
    }

    function linearScale(frame, max, intervals, integers) {
        let step = niceStep(Math.max(max, integers ? intervals : 1) / intervals);
        if (integers) {
            step = Math.max(1, Math.ceil(step));
        }
        const top = step * Math.max(1, Math.ceil(max / step));
        const ticks = [];
        for (let v = 0; v <= top + step / 2; v += step) {
            ticks.push(v);
        }
        return {
            ticks: ticks,
            y: v => frame.bottom - (Math.max(0, v) / top) * (frame.bottom - frame.top),
            label: v => (step < 1 ? v.toFixed(1) : fmtInt(v)),
        };
    }

    /** Latency spans orders of magnitude: 0.1 ms to the next power of ten above the largest value. */
    function logScale(frame, max) {
        const low = -1;
        const high = Math.max(1, Math.ceil(Math.log10(Math.max(max, 10) * 1.0001)));
        const ticks = [];
        for (let e = low; e <= high; e++) {
            ticks.push(Math.pow(10, e));
        }
        return {
            ticks: ticks,
            y: v => {
                const e = Math.log10(Math.max(v, Math.pow(10, low)));
                return frame.bottom - (e - low) / (high - low) * (frame.bottom - frame.top);
            },
            label: v => (v < 1 ? v.toFixed(1) : fmtInt(v)),
        };
    }

    function drawGrid(svg, frame, scale) {
        for (const tick of scale.ticks) {
            const y = scale.y(tick);
            svg.append(svgEl('line', {class: 'gridline', x1: frame.left, x2: frame.right, y1: y, y2: y}));
            svg.append(svgEl('text', {class: 'axis-label', x: frame.left - 8, y: y + 4, 'text-anchor': 'end'}, scale.label(tick)));
        }
        for (let s = 120; s >= 0; s -= 30) {
            const x = frame.x(frame.now - s * 1000);
            svg.append(svgEl('line', {class: 'gridline', x1: x, x2: x, y1: frame.top, y2: frame.bottom, 'stroke-opacity': 0.5}));
            svg.append(svgEl('text', {
                class: 'axis-label', x: x, y: frame.height - 6,
                'text-anchor': s === 120 ? 'start' : s === 0 ? 'end' : 'middle',
            }, s === 0 ? 'now' : '−' + s + ' s'));
        }
    }

    function finishChart(svg, frame, points) {
        svg.dataset.points = String(points);
        if (points < 2) {
            svg.append(svgEl('text', {
                class: 'empty-label', x: (frame.left + frame.right) / 2, y: (frame.top + frame.bottom) / 2,
                'text-anchor': 'middle',
            }, 'collecting…'));
        }
    }

    function linePath(points) {
        return 'M' + points.map(xy => xy[0].toFixed(1) + ',' + xy[1].toFixed(1)).join('L');
    }

    function legend(id, items) {
        const node = document.getElementById(id);
        node.replaceChildren(...items.map(item => {
            const entry = el('span', {class: 'legend-item'});
            entry.append(el('span', {class: 'swatch', style: 'background:' + item.color}),
                el('span', null, item.label), el('span', {class: 'legend-value'}, item.value));
            return entry;
        }));
    }

    // ---------------------------------------------------------------- try it

    const tryActions = {
        hello: async function () {
            const began = performance.now();
            const response = await fetch('hello', {cache: 'no-store'});
            const text = await response.text();
            return 'GET /hello → ' + response.status + ' “' + text.slice(0, 80) + '” in '
                + Math.round(performance.now() - began) + ' ms';
        },
        sleep: async function () {
            const count = 50;
            const urls = sleepUrls(count, 2000);
            const began = performance.now();
            report('50 requests sleeping 2 s on fibers: watch “parked” rise…', 'ok');
            pollSoon(400);
            const results = await Promise.allSettled(urls.map(u => fetch(u.url, u.init)));
            const ok = results.filter(r => r.status === 'fulfilled' && (r.value.ok || r.value.type === 'opaque')).length;
            return ok + ' of ' + count + ' × /sleep?ms=2000 answered in '
                + (Math.round(performance.now() - began) / 1000).toFixed(1) + ' s';
        },
        fanout: async function () {
            const began = performance.now();
            pollSoon(250);
            const response = await fetch('fanout?n=16&ms=500', {cache: 'no-store'});
            const body = await response.json();
            const loops = Array.from(new Set((body.parts || []).map(p => p.loop))).sort().join(', ');
            return '/fanout: ' + body.n + ' child fibers of ' + body.ms + ' ms each, done in ' + body.elapsedMillis
                + ' ms (' + Math.round(performance.now() - began) + ' ms round trip) on loop' + (loops.includes(',') ? 's ' : ' ') + loops;
        },
    };

    /**
     * A browser opens at most six HTTP/1.1 connections to one host, so fifty fetches to this origin would run six
     * at a time and hold up the dashboard's own polls. When the page comes from a loopback address, the requests
     * go instead to tryN.localhost, names that browsers resolve to the loopback address themselves: the same
     * server, ten hosts with five connections each, all fifty at once. They are "no-cors" requests: the answer
     * is opaque, but its arrival is all this needs.
     */
    function sleepUrls(count, millis) {
        const path = 'sleep?ms=' + millis;
        const host = location.hostname;
        const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
        return Array.from({length: count}, (ignored, i) => {
            if (!loopback) {
                return {url: path, init: {cache: 'no-store'}};
            }
            const url = new URL(path, document.baseURI);
            url.hostname = 'try' + (i % 10) + '.localhost';
            return {url: url.href, init: {cache: 'no-store', mode: 'no-cors', credentials: 'omit'}};
        });
    }

    function report(text, kind) {
        const node = document.getElementById('try-result');
        node.className = 'try-result ' + (kind || '');
        node.textContent = text;
    }

    for (const button of document.querySelectorAll('[data-try]')) {
        button.addEventListener('click', async () => {
            const action = tryActions[button.dataset.try];
            button.disabled = true;
            try {
                report(await action(), 'ok');
            } catch (error) {
                report('Failed: ' + (error && error.message ? error.message : String(error)), 'error');
            } finally {
                button.disabled = false;
                pollSoon(100);
            }
        });
    }

    // ---------------------------------------------------------------- start

    let resizeQueued = false;
    window.addEventListener('resize', () => {
        if (!resizeQueued) {
            resizeQueued = true;
            requestAnimationFrame(() => {
                resizeQueued = false;
                drawCharts();
            });
        }
    });

    poll();
})();
