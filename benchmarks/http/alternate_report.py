#!/usr/bin/env python3
"""The Markdown report of run-http-benchmark.sh --schedule alternate: every row's alternation (alternate-row.sh) in
one table per row, the ratios as medians of per-round ratios, and the bars.

Usage: alternate_report.py --raw DIR [--out FILE]   (prints the report; writes it to FILE too when given)
"""

import csv
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
        return [s for s in self.slots if s["mode"] == label]

    def median(self, label, column):
        values = [float(s[column]) for s in self.of(label)]
        return statistics.median(values) if values else None

    def errors(self, label):
        return sorted({s["errors"] for s in self.of(label) if s["errors"]})

    def ratios(self, mine, other):
        """The per-round ratios of req/s, and whether they are paired. Rounds pair only within one alternation (a
        row's modes may take turns in two, one after the other) and only where every JVM of both modes ran. With
        several JVMs of a mode (labelled MODE#1, ...), its rate in a round is the mean of its JVMs', each measured in
        its own slot of that round. Modes never in one alternation get one unpaired ratio: of their medians."""
        copies = {}
        for label in self.labels:
            copies[label.split("#")[0]] = copies.get(label.split("#")[0], 0) + 1
        rates = {}
        for s in self.slots:
            rates.setdefault((s["group"], s["round"], s["mode"].split("#")[0]), []).append(float(s["req_per_s"]))
        rate = {key: statistics.fmean(values) for key, values in rates.items() if len(values) == copies[key[2]]}
        rounds = sorted({(s["group"], s["round"]) for s in self.slots}, key=lambda gr: (gr[0], int(gr[1])))
        paired = [rate[(g, r, mine)] / rate[(g, r, other)] for g, r in rounds
                  if (g, r, mine) in rate and (g, r, other) in rate]
        if paired or not (self.has(mine) and self.has(other)):
            return paired, True
        return [self.mode_median(mine) / self.mode_median(other)], False

    def mode_median(self, mode):
        """The median req/s over every slot of the mode's JVMs."""
        return statistics.median(float(s["req_per_s"]) for s in self.slots if s["mode"].split("#")[0] == mode)

    def has(self, mode):
        return any(label.split("#")[0] == mode for label in self.labels)

    def mode_errors(self, mode):
        return sorted({s["errors"] for s in self.slots if s["mode"].split("#")[0] == mode and s["errors"]})


def load_rows(raw):
    rows = {}
    with open(os.path.join(raw, "rows.tsv")) as f:
        for entry in csv.DictReader(f, delimiter="\t"):
            tsv = os.path.join(raw, entry["name"] + ".tsv")
            slots = list(csv.DictReader(open(tsv), delimiter="\t")) if os.path.exists(tsv) else []
            for slot in slots:
                slot["group"] = entry["name"]
            if entry["row"] in rows:
                rows[entry["row"]].slots += slots
                rows[entry["row"]].labels = list(dict.fromkeys(s["mode"] for s in rows[entry["row"]].slots))
            else:
                rows[entry["row"]] = Row(entry["row"], entry["path"], int(entry["conns"]), slots)
    return rows


def ratio_cell(measured):
    ratios, paired = measured
    if not ratios:
        return "–"
    if not paired:
        return f"**{ratios[0]:.2f}×** (unpaired: ratio of medians from separate alternations)"
    ahead = sum(r >= 1 for r in ratios)
    return f"**{statistics.median(ratios):.2f}×** ({ahead} of {len(ratios)} rounds ahead)"


def bar_verdict(row, mine, measured, factor=1.0):
    ratios, _ = measured
    if not ratios:
        return "n/a (mode not run)"
    verdict = "PASS" if statistics.median(ratios) >= factor else "MISS"
    if row.mode_errors(mine):
        verdict += f" ({mine} had errors)"
    return f"**{verdict}**"


def build(raw):
    meta = read_meta(os.path.join(raw, "meta.tsv"))
    rows = load_rows(raw)
    sleep_ms = float(meta.get("sleep_ms", "20"))
    out = ["# HTTP benchmark: the modes in alternation, row by row", ""]
    finished = f"finished {meta['finished_utc']}" if meta.get("finished_utc") else "**not finished**"
    out += [f"- Date: {meta.get('date_utc', '?')} ({finished})",
            f"- Command: `{meta.get('command', '?')}`",
            f"- Commit: {meta.get('git', '?')}; jars `{meta.get('jar', '?')}` (Tomcat modes), "
            f"`{meta.get('webflux_jar', '?')}` (Netty modes)",
            f"- Machine: `nproc` = {meta.get('nproc', '?')}, {meta.get('cpu', '?')}, {meta.get('memory', '?')}, "
            f"{meta.get('kernel', '?')}; JDK: {meta.get('java', '?')}",
            f"- Load: {meta.get('wrk', '?')} `-t2 --timeout 10s --latency`, PostgreSQL {meta.get('postgresql', '?')}, "
            "both on the same machine as the apps; load average at start "
            f"{meta.get('load_start', '?')}, at end {meta.get('load_end', '?')}",
            f"- Schedule: per row, every mode's JVM up at once (`-Xms1g -Xmx1g --spring.profiles.active=postgres`"
            + (f" `{meta['app_args']}`" if meta.get("app_args") else "")
            + (f"; {meta['copies']} JVMs per mode, a mode's rate in a round the mean of its JVMs'"
               if meta.get("copies", "1") != "1" else "")
            + f"); {meta.get('warmup', '?')} s of warm-up per JVM (in slots of at most 20 s, in turn), then "
            f"{meta.get('rounds', '?')} rounds in which each JVM takes the load for {meta.get('duration', '?')} s, "
            "in an order rotated each round. A ratio is the median of the per-round ratios of req/s: the two "
            "slots of a round are seconds apart, so the machine's drift falls on both.",
            ""]

    out += ["## Bars", ""]
    bars = []
    for row in rows.values():
        ratios = row.ratios("evergreen", "virtual")
        bars.append([f"evergreen ≥ virtual, `{row.path}`", ratio_cell(ratios), bar_verdict(row, "evergreen", ratios)])
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
        limit = sleep.conns / (sleep_ms / 1000.0)
        ceiling_label = next((label.split("#")[0] for label in sleep.labels if label.startswith("evergreen@")), None)
        ceiling = sleep.mode_median(ceiling_label) if ceiling_label else None
        evergreen = sleep.mode_median("evergreen")
        if ceiling is not None and ceiling < limit:
            # DESIGN §6: where the CPU cannot reach the physical limit, the bar is 90% of the CPU-bound ceiling: the
            # same endpoint without the wait, on the same JVM, measured in the same rounds.
            shares = sleep.ratios("evergreen", ceiling_label)
            share = f"**{statistics.median(shares[0]):.1%}** (median of per-round shares)" if shares[0] else "–"
            bars.append([f"evergreen ≥ 90% of its CPU-bound ceiling (`{ceiling_label.split('@', 1)[1]}`: "
                         f"{f_rps(ceiling)} req/s, below the limit of {f_rps(limit)})", share,
                         bar_verdict(sleep, "evergreen", shares, 0.9)])
        else:
            bars.append([f"evergreen ≥ 90% of the physical limit ({sleep.conns:,} / {sleep_ms:g} ms = {f_rps(limit)})",
                         f"**{evergreen / limit:.1%}**", "**PASS**" if evergreen >= 0.9 * limit else "**MISS**"])
    out.append(table(["Bar", "Measured", "Verdict"], bars, ["l", "r", "l"]))
    out += ["", "A bar passes on the median of the per-round ratios; a mode under test with socket errors or "
            "non-2xx responses in any slot does not pass.", ""]

    out += ["## Rows", ""]
    for row in rows.values():
        out += [f"### {ROW_TITLES.get(row.row, row.row)} (`{row.path}`), {row.conns:,} connections", ""]
        lines = []
        for label in row.labels:
            rates = [float(s["req_per_s"]) for s in row.of(label)]
            lines.append([label, f"**{f_rps(statistics.median(rates))}**", f"{f_rps(min(rates))}–{f_rps(max(rates))}",
                          f_ms(row.median(label, "p50_ms")), f_ms(row.median(label, "p99_ms")),
                          f_ms(row.median(label, "max_ms")), f_ms(max(float(s["max_ms"]) for s in row.of(label))),
                          f"{row.median(label, 'app_cpu_us'):.0f}", f"{row.median(label, 'db_cpu_us'):.0f}",
                          "; ".join(row.errors(label)) or "none"])
        out.append(table(["JVM", "req/s (median)", "min–max", "p50 ms", "p99 ms", "max ms (median)", "max ms (worst)",
                          "app CPU µs/req", "PostgreSQL CPU µs/req", "errors"], lines,
                         ["l"] + ["r"] * 8 + ["l"]))
        out.append("")
        pairs = [(mine, other) for mine, other in PAIRS if row.has(mine) and row.has(other)]
        if pairs:
            out.append("Ratios of req/s (median of per-round ratios): " + "; ".join(
                f"{mine}/{other} {ratio_cell(row.ratios(mine, other))}" for mine, other in pairs) + ".")
            out.append("")
        if row.row == "sleep":
            out.append(f"Physical limit: {row.conns:,} connections / {sleep_ms:g} ms = {f_rps(row.conns / (sleep_ms / 1000.0))} "
                       f"req/s; p50 floor {sleep_ms:g} ms.")
            out.append("")
    out.append(f"Every slot (rate, latencies, CPU, errors) is in `{os.path.basename(os.path.abspath(raw))}/row-*.tsv`, "
               "each slot's wrk output and the apps' logs beside it.")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    report.main(build, __doc__)
