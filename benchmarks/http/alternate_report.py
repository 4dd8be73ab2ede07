#!/usr/bin/env python3
"""The Markdown report of run-http-benchmark.sh --schedule alternate: every row's alternation (alternate-row.sh) in
one table per row, the ratios as medians of per-round ratios, and the bars.

Usage: alternate_report.py --raw DIR... [--out FILE]   (prints the report; writes it to FILE too when given)
With several raw directories (runs of the harness on one build), the report pools their rounds: a round still pairs
only the modes of its own alternation, and the medians and their intervals are over every run's rounds.
"""

import csv
import math
import os
import statistics

import report
from report import NETTY_OVER_VIRTUAL, NETTY_VS_WEBFLUX_ROWS, f_ms, f_rps, read_meta, table

ROW_TITLES = {"hello": "GET /hello", "json": "GET /json", "sleep": "GET /sleep", "sleep0": "GET /sleep?ms=0",
              "orders": "POST /orders"}
# Pairs whose ratio the report gives on every row where both ran: (mine, other).
PAIRS = [("evergreen", "virtual"), ("evergreen", "platform"), ("netty", "webflux"), ("netty", "virtual")]


class Row:
    """One row's slots: every JVM's rate, latencies and CPU per round, possibly from several alternations."""

    def __init__(self, row, path, conns, slots):
        self.row, self.path, self.conns, self.slots = row, path, conns, slots
        self.labels = list(dict.fromkeys(s["mode"] for s in slots))

    def of(self, label):
        """The slots of one JVM (its label: MODE, or MODE#copy)."""
        return [s for s in self.slots if s["mode"] == label]

    def of_mode(self, mode):
        """The slots of every JVM of a mode."""
        return [s for s in self.slots if s["mode"].split("#")[0] == mode]

    def ratios(self, mine, other, column="req_per_s"):
        """The per-round ratios of a column (req/s unless told), and whether they are paired. Rounds pair only within
        one alternation (a row's modes may take turns in two, one after the other) and only where every JVM of both
        modes ran. With several JVMs of a mode (labelled MODE#1, ...), its value in a round is the mean of its JVMs',
        each measured in its own slot of that round. Modes never in one alternation get one unpaired ratio: of their
        medians."""
        copies, rates = {}, {}
        for s in self.slots:
            copies.setdefault((s["group"], s["mode"].split("#")[0]), set()).add(s["mode"])
            rates.setdefault((s["group"], s["round"], s["mode"].split("#")[0]), []).append(float(s[column]))
        rate = {key: statistics.fmean(values) for key, values in rates.items()
                if len(values) == len(copies[(key[0], key[2])])}
        rounds = sorted({(s["group"], s["round"]) for s in self.slots}, key=lambda gr: (gr[0], int(gr[1])))
        paired = [rate[(g, r, mine)] / rate[(g, r, other)] for g, r in rounds
                  if (g, r, mine) in rate and (g, r, other) in rate]
        if paired or not (self.has(mine) and self.has(other)):
            return paired, True
        return [self.mode_median(mine, column) / self.mode_median(other, column)], False

    def mode_median(self, mode, column="req_per_s"):
        """The median of a column (req/s unless told) over every slot of the mode's JVMs."""
        return statistics.median(float(s[column]) for s in self.of_mode(mode))

    def has(self, mode):
        return any(label.split("#")[0] == mode for label in self.labels)

    def mode_errors(self, mode):
        return sorted({s["errors"] for s in self.of_mode(mode) if s["errors"]})


def load_rows(raws):
    """Every row of the runs, in the order of the first run that has it; a row's alternations from several runs
    become groups of its one Row, named by run and alternation, so that rounds pair within their own."""
    rows = {}
    for raw in raws:
        load_run(raw, rows, f"{os.path.basename(os.path.abspath(raw))}/" if len(raws) > 1 else "")
    return rows


def load_run(raw, rows, prefix):
    with open(os.path.join(raw, "rows.tsv")) as f:
        for entry in csv.DictReader(f, delimiter="\t"):
            tsv = os.path.join(raw, entry["name"] + ".tsv")
            slots = list(csv.DictReader(open(tsv), delimiter="\t")) if os.path.exists(tsv) else []
            for slot in slots:
                slot["group"] = prefix + entry["name"]
            if entry["row"] in rows:
                rows[entry["row"]].slots += slots
                rows[entry["row"]].labels = list(dict.fromkeys(s["mode"] for s in rows[entry["row"]].slots))
            else:
                rows[entry["row"]] = Row(entry["row"], entry["path"], int(entry["conns"]), slots)


def median_interval(values, coverage=0.90):
    """A distribution-free confidence interval of the median: the k-th smallest and k-th largest value, k the largest
    with P(Binomial(n, 1/2) < k) <= (1 - coverage) / 2, so that the interval holds the true median with at least that
    probability whatever the distribution. None where n is too small for the coverage (fewer than 5 values at 90%).

    >>> median_interval([1.1, 0.9, 1.0, 1.3, 0.8])          # 5 rounds: the extremes (coverage 94%)
    (0.8, 1.3)
    >>> median_interval(list(range(1, 9)))                  # 8 rounds: the second of each end (93%)
    (2, 7)
    >>> median_interval(list(range(1, 22)))                 # 21 rounds: the 7th of each end (92%)
    (7, 15)
    >>> median_interval([1.0, 1.1, 1.2, 1.3]) is None       # 4 rounds cannot give 90%
    True
    """
    ordered, n = sorted(values), len(values)
    k, tail = 0, 0.0
    while k < n // 2:
        tail_next = tail + math.comb(n, k) / 2 ** n
        if tail_next > (1 - coverage) / 2:
            break
        tail, k = tail_next, k + 1
    return (ordered[k - 1], ordered[n - k]) if k else None


def ratio_cell(measured, better="ahead"):
    """The median ratio, its 90% interval and the rounds at or above 1 (better="ahead") or at or below it ("below")."""
    ratios, paired = measured
    if not ratios:
        return "–"
    if not paired:
        return f"**{ratios[0]:.2f}×** (unpaired: ratio of medians from separate alternations)"
    count = sum(r >= 1 for r in ratios) if better == "ahead" else sum(r <= 1 for r in ratios)
    interval = median_interval(ratios)
    interval = f"90% interval {interval[0]:.2f}–{interval[1]:.2f}, " if interval else ""
    return f"**{statistics.median(ratios):.2f}×** ({interval}{count} of {len(ratios)} rounds {better})"


def bar_verdict(row, mine, measured, factor=1.0, at_most=False):
    """PASS or MISS on the median ratio (at least factor, or at most it), and whether the median's 90% interval lies
    on the bar's side of it or straddles it (the two modes level within this run's noise)."""
    ratios, paired = measured
    if not ratios:
        return "n/a (mode not run)"
    met = (lambda value: value <= factor) if at_most else (lambda value: value >= factor)
    verdict = "PASS" if met(statistics.median(ratios)) else "MISS"
    interval = median_interval(ratios) if paired else None
    if interval:
        verdict += (", interval clear of the bar" if met(interval[0]) == met(interval[1])
                    else ", interval straddles the bar")
    if row.mode_errors(mine):
        verdict += f" ({mine} had errors)"
    return f"**{verdict}**"


def build(raws):
    """The report of one run (a raw directory) or, pooled, of several (a list of them)."""
    raws = [raws] if isinstance(raws, str) else raws
    metas = [read_meta(os.path.join(raw, "meta.tsv")) for raw in raws]
    rows = load_rows(raws)
    sleep_ms = float(metas[0].get("sleep_ms", "20"))
    names = ", ".join(f"`{os.path.basename(os.path.abspath(raw))}`" for raw in raws)
    if len(raws) == 1:
        out = run_header(metas[0]) + bars_section(rows, sleep_ms) + rows_section(rows, sleep_ms, by_jvm=True)
        out.append(f"Every slot (rate, latencies, CPU, errors) is in `{os.path.basename(os.path.abspath(raws[0]))}/row-*.tsv`, "
                   "each slot's wrk output and the apps' logs beside it.")
    else:
        out = pooled_header(raws, metas) + bars_section(rows, sleep_ms) + rows_section(rows, sleep_ms, by_jvm=False)
        out.append(f"Every slot (rate, latencies, CPU, errors) is in the runs' `row-*.tsv`: {names}.")
    out.append("")
    return "\n".join(out)


def run_header(meta):
    finished = f"finished {meta['finished_utc']}" if meta.get("finished_utc") else "**not finished**"
    return ["# HTTP benchmark: the modes in alternation, row by row", "",
            f"- Date: {meta.get('date_utc', '?')} ({finished})",
            f"- Command: `{meta.get('command', '?')}`",
            f"- Commit: {meta.get('git', '?')}; jars `{meta.get('jar', '?')}` (Tomcat modes), "
            f"`{meta.get('webflux_jar', '?')}` (Netty modes)",
            f"- Machine: `nproc` = {meta.get('nproc', '?')}, {meta.get('cpu', '?')}, {meta.get('memory', '?')}, "
            f"{meta.get('kernel', '?')}; JDK: {meta.get('java', '?')}",
            f"- Load: {meta.get('wrk', '?')} `-t2 --timeout 10s --latency`, PostgreSQL {meta.get('postgresql', '?')}, "
            "both on the same machine as the apps; load average at start "
            f"{meta.get('load_start', '?')}, at end {meta.get('load_end', '?')}",
            f"- CPUs: the apps on {meta.get('app_cpus', 'any')}, wrk on {meta.get('wrk_cpus', 'any')} (`--pin`; "
            "PostgreSQL on any)",
            f"- Schedule: per row, every mode's JVM up at once (`-Xms1g -Xmx1g --spring.profiles.active=postgres`"
            + (f" `{meta['app_args']}`" if meta.get("app_args") else "")
            + (f"; {meta['copies']} JVMs per mode, a mode's rate in a round the mean of its JVMs'"
               if meta.get("copies", "1") != "1" else "")
            + f"); {meta.get('warmup', '?')} s of warm-up per JVM (in slots of at most 20 s, in turn), then "
            f"{meta.get('rounds', '?')} rounds in which each JVM takes the load for {meta.get('duration', '?')} s, "
            "in an order rotated each round. A ratio is the median of the per-round ratios of req/s: the two "
            "slots of a round are seconds apart, so the machine's drift falls on both.",
            ""]


def pooled_header(raws, metas):
    commits = sorted({meta.get("git", "?") for meta in metas})
    out = ["# HTTP benchmark: several runs in alternation, their rounds pooled", "",
           f"- Runs: {len(raws)}" + ("" if len(commits) == 1 else
                                     f"; **commits differ** ({', '.join(commits)}): pool runs of one build only"),
           f"- Commit: {', '.join(commits)}", ""]
    for raw, meta in zip(raws, metas):
        copies = f", {meta['copies']} JVMs per mode" if meta.get("copies", "1") != "1" else ""
        cpus = f", apps on CPUs {meta.get('app_cpus', 'any')} and wrk on {meta.get('wrk_cpus', 'any')}"
        out.append(f"- `{os.path.basename(os.path.abspath(raw))}`: {meta.get('date_utc', '?')}, "
                   f"{meta.get('rounds', '?')} rounds{copies}{cpus}: `{meta.get('command', '?')}`")
    out += ["", "A round pairs the modes of its own alternation only; a ratio is the median of every run's per-round "
            "ratios.", ""]
    return out


def bars_section(rows, sleep_ms):
    out = ["## Bars", ""]
    bars = []
    for row in rows.values():
        ratios = row.ratios("evergreen", "virtual")
        bars.append([f"evergreen ≥ virtual, `{row.path}`", ratio_cell(ratios), bar_verdict(row, "evergreen", ratios)])
    for row in rows.values():
        if row.has("evergreen") and row.has("virtual"):
            # DESIGN §6 compares requests/s and p99: the p99 of a mode in a round is its JVMs' mean, as for req/s.
            ratios = row.ratios("evergreen", "virtual", "p99_ms")
            bars.append([f"evergreen p99 ≤ virtual p99, `{row.path}`", ratio_cell(ratios, "below"),
                         bar_verdict(row, "evergreen", ratios, at_most=True)])
    for row in rows.values():
        if row.row in NETTY_VS_WEBFLUX_ROWS and row.has("netty"):
            ratios = row.ratios("netty", "webflux")
            bars.append([f"netty ≥ webflux, `{row.path}`", ratio_cell(ratios), bar_verdict(row, "netty", ratios)])
    for row in rows.values():
        if row.has("netty"):
            ratios = row.ratios("netty", "virtual")
            bars.append([f"netty ≥ {NETTY_OVER_VIRTUAL:g}× virtual, `{row.path}`", ratio_cell(ratios),
                         bar_verdict(row, "netty", ratios, NETTY_OVER_VIRTUAL)])
    sleep = rows.get("sleep")
    if sleep and sleep.has("evergreen"):
        bars.append(sleep_bar(sleep, sleep_ms))
    out.append(table(["Bar", "Measured", "Verdict"], bars, ["l", "r", "l"]))
    out += ["", "A bar passes on the median of the per-round ratios; a mode under test with socket errors or "
            "non-2xx responses in any slot does not pass. The 90% interval of that median is distribution-free (order "
            "statistics of the rounds): where it straddles the bar, the two modes are level within this run's noise "
            "and another run may land on the other side.", ""]
    return out


def sleep_bar(sleep, sleep_ms):
    limit = sleep.conns / (sleep_ms / 1000.0)
    ceiling_label = next((label.split("#")[0] for label in sleep.labels if label.startswith("evergreen@")), None)
    ceiling = sleep.mode_median(ceiling_label) if ceiling_label else None
    if ceiling is not None and ceiling < limit:
        # DESIGN §6: where the CPU cannot reach the physical limit, the bar is 90% of the CPU-bound ceiling: the
        # same endpoint without the wait, on the same JVM, measured in the same rounds.
        shares = sleep.ratios("evergreen", ceiling_label)
        share = f"**{statistics.median(shares[0]):.1%}** (median of per-round shares)" if shares[0] else "–"
        return [f"evergreen ≥ 90% of its CPU-bound ceiling (`{ceiling_label.split('@', 1)[1]}`: "
                f"{f_rps(ceiling)} req/s, below the limit of {f_rps(limit)})", share,
                bar_verdict(sleep, "evergreen", shares, 0.9)]
    evergreen = sleep.mode_median("evergreen")
    return [f"evergreen ≥ 90% of the physical limit ({sleep.conns:,} / {sleep_ms:g} ms = {f_rps(limit)})",
            f"**{evergreen / limit:.1%}**", "**PASS**" if evergreen >= 0.9 * limit else "**MISS**"]


def rows_section(rows, sleep_ms, by_jvm):
    """Per row, a line per JVM (by_jvm) or per mode, its slots' medians, and the ratios between the modes."""
    out = ["## Rows", ""]
    for row in rows.values():
        out += [f"### {ROW_TITLES.get(row.row, row.row)} (`{row.path}`), {row.conns:,} connections", ""]
        lines = []
        keys = row.labels if by_jvm else list(dict.fromkeys(label.split("#")[0] for label in row.labels))
        for key in keys:
            slots = row.of(key) if by_jvm else row.of_mode(key)
            column = lambda name: statistics.median(float(s[name]) for s in slots)
            rates = [float(s["req_per_s"]) for s in slots]
            lines.append([key, f"**{f_rps(statistics.median(rates))}**", f"{f_rps(min(rates))}–{f_rps(max(rates))}",
                          f_ms(column("p50_ms")), f_ms(column("p99_ms")), f_ms(column("max_ms")),
                          f_ms(max(float(s["max_ms"]) for s in slots)), f"{column('app_cpu_us'):.0f}",
                          f"{column('db_cpu_us'):.0f}", "; ".join(sorted({s["errors"] for s in slots if s["errors"]}))
                          or "none"])
        out.append(table(["JVM" if by_jvm else "mode", "req/s (median)", "min–max", "p50 ms", "p99 ms",
                          "max ms (median)", "max ms (worst)", "app CPU µs/req", "PostgreSQL CPU µs/req", "errors"],
                         lines, ["l"] + ["r"] * 8 + ["l"]))
        out.append("")
        pairs = [(mine, other) for mine, other in PAIRS if row.has(mine) and row.has(other)]
        if pairs:
            out.append("Ratios of req/s (median of per-round ratios): " + "; ".join(
                f"{mine}/{other} {ratio_cell(row.ratios(mine, other))}" for mine, other in pairs) + ".")
            out.append("")
        if row.row == "sleep":
            out.append(f"Physical limit: {row.conns:,} connections / {sleep_ms:g} ms = "
                       f"{f_rps(row.conns / (sleep_ms / 1000.0))} req/s; p50 floor {sleep_ms:g} ms.")
            out.append("")
    return out


if __name__ == "__main__":
    report.main(build, __doc__, pools=True)
