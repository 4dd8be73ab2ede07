#!/usr/bin/env python3
"""Turns the raw output of run-http-benchmark.sh (wrk text, CPU counters, app logs) into a Markdown report.

Usage: report.py --raw DIR [--out FILE]   (prints the report; writes it to FILE too when given)
"""

import argparse
import csv
import os
import re
import statistics
import sys

MODES = ["platform", "virtual", "evergreen", "webflux", "netty"]
# The issue-8 bars compare evergreen on Netty with reactive WebFlux on these rows (DESIGN §6, issue 8).
NETTY_VS_WEBFLUX_ROWS = ["hello", "json", "sleep"]
NETTY_OVER_VIRTUAL = 1.3
ROWS = ["hello", "json", "sleep", "sleep0", "orders"]
ROW_TITLES = {"hello": "GET /hello", "json": "GET /json", "sleep": "GET /sleep",
              "sleep0": "GET /sleep without the wait (the sleep row's CPU ceiling)", "orders": "POST /orders"}
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


# ------------------------------------------------------------------------------------------- parsing ---

def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(path):
    """The numbers of one wrk --latency run; 'ok' is False when the output is incomplete."""
    result = {"ok": False, "rps": None, "requests": None, "p50": None, "p75": None, "p90": None, "p99": None,
              "max": None, "avg": None, "connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return result
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    if m:
        result["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+)", text, re.M)
    if m:
        result["requests"] = int(m.group(1))
    m = re.search(r"^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+", text, re.M)
    if m:
        try:
            result["avg"], result["max"] = to_ms(m.group(1)), to_ms(m.group(3))
        except ValueError:
            pass
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        if m:
            try:
                result["p" + pct] = to_ms(m.group(1))
            except ValueError:
                pass
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        for key, value in zip(("connect", "read", "write", "timeout"), m.groups()):
            result[key] = int(value)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        result["non2xx"] = int(m.group(1))
    result["ok"] = all(result[k] is not None for k in ("rps", "requests", "p50", "p99", "max"))
    return result


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    return meta


def load_cells(raw):
    cells = []
    for row in read_tsv(os.path.join(raw, "cells.tsv")):
        wrk = parse_wrk(os.path.join(raw, row["wrk_file"]))
        wall = float(row["wall_s"]) or 1.0
        tck = float(row["clk_tck"]) or 100.0
        app_s = int(row["app_ticks"]) / tck
        wrk_s = float(row["wrk_user_s"]) + float(row["wrk_sys_s"])
        busy_s = int(row["machine_busy_ticks"]) / tck
        cell = dict(row)
        cell.update(wrk)
        cell["round"] = int(row["round"])
        cell["conns"] = int(row["conns"])
        cell["wrk_rc"] = int(row["wrk_rc"])
        cell["app_cores"] = app_s / wall
        cell["wrk_cores"] = wrk_s / wall
        cell["rest_cores"] = max(0.0, busy_s - app_s - wrk_s) / wall
        cell["busy_cores"] = busy_s / wall
        cell["app_us_per_req"] = app_s * 1e6 / wrk["requests"] if wrk["requests"] else None
        cell["threads"] = int(row["threads_after"]) if row["threads_after"].isdigit() else None
        cell["socket_errors"] = wrk["connect"] + wrk["read"] + wrk["write"] + wrk["timeout"]
        problems = []
        if cell["wrk_rc"] != 0:
            problems.append(f"wrk exited {cell['wrk_rc']}")
        if not wrk["ok"]:
            problems.append("wrk output incomplete")
        if cell["socket_errors"]:
            problems.append("socket errors " + ", ".join(
                f"{k} {wrk[k]}" for k in ("connect", "read", "write", "timeout") if wrk[k]))
        if wrk["non2xx"]:
            problems.append(f"{wrk['non2xx']} non-2xx/3xx")
        cell["problems"] = problems
        cells.append(cell)
    return cells


# ------------------------------------------------------------------------------------------ formatting ---

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def f_rps(v):
    if v is None:
        return "–"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def f_ms(v):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def f_num(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def f_ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def table(header, rows, align=None):
    align = align or ["l"] + ["r"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- report ---

def build(raw):
    meta = read_meta(os.path.join(raw, "meta.tsv"))
    cells = load_cells(raw)
    jvms = read_tsv(os.path.join(raw, "jvms.tsv")) if os.path.exists(os.path.join(raw, "jvms.tsv")) else []
    modes = [m for m in MODES if any(c["mode"] == m for c in cells)]
    rows = [r for r in ROWS if any(c["row"] == r for c in cells)]
    rounds = sorted({c["round"] for c in cells})
    sleep_ms = float(meta.get("sleep_ms", "20"))

    def group(row, mode):
        return [c for c in cells if c["row"] == row and c["mode"] == mode]

    def med(row, mode, key):
        return median([c[key] for c in group(row, mode)])

    def conns_of(row):
        values = {c["conns"] for c in cells if c["row"] == row}
        return values.pop() if len(values) == 1 else None

    def path_of(row):
        return meta.get(f"path_{row}", ROW_TITLES[row])

    def limit_of(row):
        conns = conns_of(row)
        return conns / (sleep_ms / 1000.0) if conns else None

    out = []
    out.append("# HTTP benchmark: Tomcat (platform threads, virtual threads, Evergreen fibers) and Reactor Netty "
               "(reactive WebFlux, Evergreen fibers on the Netty loops)")
    out.append("")
    finished = f"finished {meta['finished_utc']}" if meta.get("finished_utc") else "not finished"
    out.append(f"- Date: {meta.get('date_utc', '?')} ({finished})")
    out.append(f"- Command: `{meta.get('command', '?')}`")
    out.append(f"- Commit: {meta.get('git', '?')}; jars `{meta.get('jar', '?')}` (Tomcat modes), "
               f"`{meta.get('webflux_jar', '?')}` (Netty modes)")
    out.append(f"- Machine: `nproc` = {meta.get('nproc', '?')}, {meta.get('cpu', '?')}, {meta.get('memory', '?')}, "
               f"{meta.get('kernel', '?')} (host {meta.get('host', '?')})")
    out.append(f"- JDK: {meta.get('java', '?')}")
    out.append(f"- Load generator: {meta.get('wrk', '?')}, `-t{meta.get('wrk_threads', '?')}`, "
               f"`--timeout {meta.get('wrk_timeout', '?')}`, on the same machine as the app; "
               f"PostgreSQL {meta.get('postgresql', '?')} on the same machine too")
    out.append(f"- Load average (1/5/15 min) at start: {meta.get('load_start', '?')}; at end: {meta.get('load_end', '?')}")
    out.append(f"- CPUs: the app on {meta.get('app_cpus', 'any')}, wrk on {meta.get('wrk_cpus', 'any')} (`--pin`; "
               "PostgreSQL on any)")
    out.append(f"- Rounds: {meta.get('rounds', '?')} (modes interleaved in each: {meta.get('modes', '?')}); per row "
               f"{meta.get('warmup', '?')} s warm-up, then {meta.get('duration', '?')} s measured")
    out.append(f"- App: fresh JVM per mode and round, `-Xms{meta.get('heap', '?')} -Xmx{meta.get('heap', '?')}`, "
               f"`--spring.profiles.active=postgres --demo.echo.enabled=false --logging.level.root=WARN`"
               + (f" `{meta['app_args']}`" if meta.get("app_args") else "")
               + f", port {meta.get('port', '?')}")
    out.append("  - platform: `--evergreen.enabled=false` (Tomcat's default: 200 platform worker threads)")
    out.append("  - virtual: `--evergreen.enabled=false --spring.threads.virtual.enabled=true`")
    out.append("  - evergreen: the defaults (Evergreen on, loops = CPUs)")
    out.append("  - webflux (demo-webflux): `--evergreen.enabled=false --demo.style=reactive` (Mono endpoints on Reactor "
               "Netty's own loops; JDBC via `Mono.fromCallable` on `boundedElastic`)")
    out.append("  - netty (demo-webflux): `--demo.style=blocking` (blocking controllers on fibers of the Evergreen loops "
               "that drive Reactor Netty)")
    if meta.get("reset_orders") == "1":
        out.append("- The `orders` table was truncated before each JVM start (`--reset-orders`).")
    out.append("")
    if len(rounds) < int(meta.get("rounds", len(rounds)) or 0) or not meta.get("finished_utc"):
        out.append("**Incomplete run**: only the cells below were measured.")
        out.append("")

    # -- bars
    out.append("## Bars")
    out.append("")
    bar_rows = []
    for row in rows:
        ev, vt = med(row, "evergreen", "rps"), med(row, "virtual", "rps")
        if ev is None or vt is None:
            bar_rows.append([f"evergreen ≥ virtual, {path_of(row)} (req/s)", "–", "n/a (mode not run)"])
            continue
        ev_problems = [c for c in group(row, "evergreen") if c["problems"]]
        verdict = "PASS" if ev >= vt else "MISS"
        if ev_problems:
            verdict = "MISS (evergreen had errors)" if verdict == "PASS" else "MISS (and evergreen had errors)"
        vt_problems = [c for c in group(row, "virtual") if c["problems"]]
        note = " (virtual had errors)" if vt_problems else ""
        bar_rows.append([f"evergreen ≥ virtual, {path_of(row)} (req/s)",
                         f"{f_rps(ev)} vs {f_rps(vt)} = {f_ratio(ev, vt)}", f"**{verdict}**{note}"])
    def bar(label, mine_mode, other_mode, row, factor=1.0):
        mine, other = med(row, mine_mode, "rps"), med(row, other_mode, "rps")
        if mine is None or other is None:
            return [label, "–", "n/a (mode not run)"]
        verdict = "PASS" if mine >= factor * other else "MISS"
        if any(c["problems"] for c in group(row, mine_mode)):
            verdict = f"MISS ({mine_mode} had errors)" if verdict == "PASS" else f"MISS (and {mine_mode} had errors)"
        note = f" ({other_mode} had errors)" if any(c["problems"] for c in group(row, other_mode)) else ""
        return [label, f"{f_rps(mine)} vs {f_rps(other)} = {f_ratio(mine, other)}", f"**{verdict}**{note}"]

    if "netty" in modes:
        for row in rows:
            if row in NETTY_VS_WEBFLUX_ROWS:
                bar_rows.append(bar(f"netty ≥ webflux, {path_of(row)} (req/s)", "netty", "webflux", row))
        for row in rows:
            bar_rows.append(bar(f"netty ≥ {NETTY_OVER_VIRTUAL:g}× virtual, {path_of(row)} (req/s)", "netty", "virtual",
                                row, NETTY_OVER_VIRTUAL))
    if "sleep" in rows:
        ev, limit = med("sleep", "evergreen", "rps"), limit_of("sleep")
        ceiling = med("sleep0", "evergreen", "rps") if "sleep0" in rows else None
        if ev is None or limit is None:
            bar_rows.append(["evergreen ≥ 90% of the physical limit, sleep row", "–", "n/a"])
        else:
            # DESIGN §6: 90% of the physical limit (connections / sleep), or of the CPU-bound ceiling where the CPU
            # cannot reach that limit: the same endpoint without the wait, at the same connections.
            bound, bound_name = (limit, "physical limit") if ceiling is None or ceiling >= limit else (ceiling, "CPU-bound ceiling (sleep0)")
            verdict = "PASS" if ev >= 0.9 * bound else "MISS"
            if any(c["problems"] for c in group("sleep", "evergreen")):
                verdict = "MISS (evergreen had errors)" if verdict == "PASS" else "MISS (and evergreen had errors)"
            bar_rows.append([f"evergreen ≥ 90% of the {bound_name}, {path_of('sleep')}",
                             f"{f_rps(ev)} / {f_rps(bound)} = {ev / bound:.1%}", f"**{verdict}**"])
    out.append(table(["Bar", "Median over rounds", "Verdict"], bar_rows, ["l", "r", "l"]))
    out.append("")
    out.append("A bar passes on the medians over rounds; a row where any round of the mode under test had socket "
               "errors or non-2xx/3xx responses does not pass.")
    out.append("")

    # -- per row summary
    out.append("## Per row: medians over rounds")
    out.append("")
    out.append("Each number is the median over rounds of that column on its own (p99 and max need not come from "
               "the same round as req/s). Latencies are wrk's, in ms (requests that hit wrk's timeout are not in "
               "them: see errors). CPU columns are in cores (CPU-seconds per second of measurement; "
               f"the machine has {meta.get('nproc', '?')}): the app JVM, wrk, and the rest of the machine "
               "(PostgreSQL, other users, the kernel's share not charged to either).")
    out.append("")
    for row in rows:
        conns = conns_of(row)
        out.append(f"### {ROW_TITLES[row]} (`{path_of(row)}`), {conns if conns else '?'} connections")
        out.append("")
        trs = []
        for mode in modes:
            g = group(row, mode)
            if not g:
                continue
            rps_values = [c["rps"] for c in g if c["rps"] is not None]
            spread = f"{f_rps(min(rps_values))}–{f_rps(max(rps_values))}" if rps_values else "–"
            flagged = sum(1 for c in g if c["problems"])
            errors = sum(c["socket_errors"] for c in g)
            non2xx = sum(c["non2xx"] for c in g)
            err_text = f"{errors} / {non2xx}" + (f" ⚠ {flagged} of {len(g)} rounds" if flagged else "")
            trs.append([mode, f"**{f_rps(med(row, mode, 'rps'))}**", spread, f_ms(med(row, mode, "p50")),
                        f_ms(med(row, mode, "p99")), f_ms(med(row, mode, "max")), err_text,
                        f_num(med(row, mode, "app_cores")), f_num(med(row, mode, "app_us_per_req"), 0),
                        f_num(med(row, mode, "wrk_cores")), f_num(med(row, mode, "rest_cores")),
                        f_num(med(row, mode, "threads"), 0)])
        out.append(table(["mode", "req/s", "req/s min–max", "p50", "p99", "max", "socket errors / non-2xx (sum)",
                          "app CPU", "app CPU µs/req", "wrk CPU", "rest CPU", "JVM threads after"], trs))
        out.append("")
        ratio_lines = []
        for mine, other in (("evergreen", "virtual"), ("evergreen", "platform"), ("netty", "webflux"),
                            ("netty", "virtual"), ("netty", "evergreen")):
            if mine in modes and other in modes and group(row, mine) and group(row, other):
                ratio_lines.append(
                    f"{mine}/{other}: req/s {f_ratio(med(row, mine, 'rps'), med(row, other, 'rps'))}, "
                    f"p50 {f_ratio(med(row, mine, 'p50'), med(row, other, 'p50'))}, "
                    f"p99 {f_ratio(med(row, mine, 'p99'), med(row, other, 'p99'))}, "
                    f"app CPU µs/req {f_ratio(med(row, mine, 'app_us_per_req'), med(row, other, 'app_us_per_req'))}")
        if ratio_lines:
            out.append("Ratios of the medians (req/s: higher is better; latency and CPU per request: lower is better):")
            out.append("")
            out += [f"- {line}" for line in ratio_lines]
            out.append("")
        if row == "sleep" and conns:
            limit = limit_of(row)
            shares = ", ".join(f"{mode} {med(row, mode, 'rps') / limit:.1%}" for mode in modes
                               if med(row, mode, "rps") is not None)
            out.append(f"Physical limit: {conns:,} connections / {sleep_ms:g} ms = {f_rps(limit)} req/s (each "
                       f"connection has one request in flight, and each takes at least {sleep_ms:g} ms). Share of it: "
                       f"{shares}. The CPU-bound ceiling is the sleep0 row: the same endpoint without the wait, at the same "
                       f"connections. The p50 floor is {sleep_ms:g} ms.")
            out.append("")
            try:
                cpus = int(meta.get("nproc", ""))
            except ValueError:
                cpus = None
            if cpus:
                budget = cpus * 1e6 / (0.9 * limit)
                used = ", ".join(f"{mode} {f_num(med(row, mode, 'app_us_per_req'), 0)} µs" for mode in modes)
                out.append(f"For scale: at 90% of the limit ({f_rps(0.9 * limit)} req/s) on {cpus} CPUs, the whole "
                           f"machine (app, wrk, kernel) may spend at most {budget:.0f} µs of CPU per request. "
                           f"The app alone spent (median): {used}.")
                out.append("")

    # -- every round
    out.append("## Every round")
    out.append("")
    trs = []
    for c in sorted(cells, key=lambda c: (ROWS.index(c["row"]), c["round"], MODES.index(c["mode"]))):
        sock = f"{c['connect']}/{c['read']}/{c['write']}/{c['timeout']}"
        trs.append([c["round"], c["mode"], path_of(c["row"]), c["conns"], f_rps(c["rps"]), f_ms(c["p50"]),
                    f_ms(c["p99"]), f_ms(c["max"]), sock, c["non2xx"], f_num(c["app_cores"]),
                    f_num(c["app_us_per_req"], 0), f_num(c["wrk_cores"]), f_num(c["rest_cores"]),
                    c["threads"] if c["threads"] is not None else "–",
                    "⚠ " + "; ".join(c["problems"]) if c["problems"] else ""])
    out.append(table(["round", "mode", "row", "conns", "req/s", "p50", "p99", "max",
                      "socket errors c/r/w/t", "non-2xx", "app CPU", "µs/req", "wrk CPU", "rest CPU",
                      "threads", "flag"], trs, ["r", "l", "l"] + ["r"] * 12 + ["l"]))
    out.append("")

    # -- JVMs
    if jvms:
        out.append("## JVMs")
        out.append("")
        out.append("One fresh JVM per mode and round. WARN/ERROR count the app log's lines at those levels (the "
                   "app runs at root level WARN); 'blocked' counts Evergreen watchdog reports of a loop held past "
                   "its threshold (each one logs a stack, which costs CPU itself).")
        out.append("")
        trs = [[j["round"], j["mode"], j["startup_s"], j["warn_lines"], j["error_lines"], j["blocked_lines"],
                f"{j['orders_before']} → {j['orders_after']}", f"`{j['log']}`"] for j in jvms]
        out.append(table(["round", "mode", "startup s", "WARN", "ERROR", "blocked", "orders rows", "log"], trs,
                         ["r", "l", "r", "r", "r", "r", "r", "l"]))
        out.append("")

    flagged = [c for c in cells if c["problems"]]
    out.append("## Flags")
    out.append("")
    if flagged:
        for c in flagged:
            out.append(f"- round {c['round']} {c['mode']} `{path_of(c['row'])}`: {'; '.join(c['problems'])} "
                       f"(`{c['wrk_file']}`)")
    else:
        out.append("- No socket errors, no non-2xx/3xx responses, every wrk run complete.")
    out.append("")
    out.append(f"Raw wrk output (warm-ups too), the exact wrk and java command lines, and the app logs: "
               f"`{os.path.basename(os.path.abspath(raw))}/`, next to this report.")
    out.append("")
    return "\n".join(out)


def main(build_report=build, doc=__doc__, pools=False):
    """The command line of a report script: --raw DIR [--out FILE]; prints the report, and writes it to FILE. With
    pools, --raw takes several directories and build_report gets their list."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--raw", required=True, nargs="+" if pools else None,
                        help="the raw directory of a run" + (" (several: their rounds pooled)" if pools else ""))
    parser.add_argument("--out", help="write the Markdown report here as well")
    args = parser.parse_args()
    report = build_report(args.raw)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
