#!/usr/bin/env bash
# One row, several modes, measured in alternation: every mode's JVM runs at once (each on its own port) and the
# load goes to one at a time, in short slots, round after round (A B C, B C A, C A B, ...). On this machine the
# speed of the CPU drifts by up to threefold within minutes; run-http-benchmark.sh starts a fresh JVM per mode
# and row, so one mode's minute can be slow and the next one's fast. Here the modes take turns every few seconds
# and each JVM is warmed once, so drift and JIT warm-up fall on all modes alike. The idle JVMs wait meanwhile
# (their loops and carriers asleep; they hold their idle pooled connections).
#
# Usage: benchmarks/http/alternate-row.sh PATH CONNECTIONS MODE[=JAR][@PATH][:JVM options]...
#   MODE: platform | virtual | evergreen (demo-app) | webflux | netty (demo-webflux); =JAR runs that jar (another
#   build of the mode's demo) instead of this tree's; @PATH loads that JVM on its own path instead of the row's (a
#   row and its ceiling, paired: 'evergreen@/sleep?ms=0')
#   e.g.  benchmarks/http/alternate-row.sh /orders 200 virtual evergreen
#         benchmarks/http/alternate-row.sh /orders 200 virtual evergreen 'evergreen:-Djdk.pollerMode=2'
#         benchmarks/http/alternate-row.sh '/sleep?ms=20' 1000 evergreen 'evergreen@/sleep?ms=0'
# Environment: ROUNDS (12), WARMUP (s per mode, 60), DURATION (s per slot, 15), PORT (first port, 18101), OUT
# (report directory, benchmarks/results), COPIES (JVMs per mode, 1), NAME (the report's file name without extension,
# alternate-<UTC timestamp>), APP_EXTRA_ARGS (more app arguments for every JVM, split on spaces), DEMO_APP_JAR and
# DEMO_WEBFLUX_JAR (other builds of the demos, see modes.sh), LOGS (where the apps' logs go, /tmp), RESET_ORDERS (1:
# empty the orders table first; 0: leave it), HEAP (1g), WRK_THREADS (2), WRK_TIMEOUT (10s), START_TIMEOUT (180 s),
# APP_CPUS and WRK_CPUS (taskset CPU lists for the apps and for wrk; unset, anywhere: see modes.sh). Prints per-mode medians of req/s, p99, max,
# and the CPU per request of the app and of PostgreSQL (from /proc: user + system time over the slot), and for each
# mode against the first: the median of the per-round ratios and in how many rounds it was ahead. Writes the report
# and the raw slots to OUT/alternate-<UTC timestamp>.md and .tsv, and each slot's wrk output under
# OUT/alternate-<UTC timestamp>/.
# THREADS=1 also reads, for each slot, every thread of the app from /proc (CPU time, context switches, migrations),
# groups them by name (loops, carriers, Tomcat's poller, GC, ...) and adds per-group medians per request to the
# report, with the raw readings in OUT/alternate-<UTC timestamp>-threads.tsv.
# COPIES > 1 starts that many JVMs of every mode (labelled MODE#1, MODE#2, ...), each a slot of its own per round: C2
# makes different inlining choices in each JVM, and on /json two JVMs of one mode and build were seen 22% apart in
# every round, as far apart as the modes. The report then also compares the modes by the mean over their copies.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
[[ $# -ge 4 ]] || { sed -n 9,28p "$0" >&2; exit 2; }
URL_PATH=$1; CONNS=$2; shift 2; MODE_SPECS=("$@")
ROUNDS=${ROUNDS:-12}; WARMUP=${WARMUP:-60}; DURATION=${DURATION:-15}; PORT=${PORT:-18101}; COPIES=${COPIES:-1}
THREADS=${THREADS:-0}; LOGS=${LOGS:-/tmp}
[[ "$COPIES" =~ ^[1-9][0-9]*$ ]] || { echo "COPIES must be a positive number, not '$COPIES'" >&2; exit 2; }
# One entry per JVM: its spec, and the label it has in the report (the spec, or spec#copy).
SPECS=(); LABELS=()
for spec in "${MODE_SPECS[@]}"; do
    for (( copy = 1; copy <= COPIES; copy++ )); do
        SPECS+=("$spec"); LABELS+=("$spec")
        (( COPIES == 1 )) || LABELS[-1]+="#$copy"
    done
done
OUT=${OUT:-$REPO/benchmarks/results}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
COMMAND_LINE="$(printf '%q ' "$0" "$URL_PATH" "$CONNS" "${MODE_SPECS[@]}")"
COMMAND_LINE="${COMMAND_LINE% }"

# shellcheck source=modes.sh
source "$HERE/modes.sh"
ulimit -n 20000 2>/dev/null || true
[[ "${RESET_ORDERS:-1}" == 1 ]] && empty_orders_table
read -r -a APP_ARGS <<< "$(pool_args_for "${MODE_SPECS[@]}" "$URL_PATH") ${APP_EXTRA_ARGS:-}"

PIDS=(); PATHS=()
# The JVMs are gone when this script is: the next run may start JVMs on the same ports and database.
trap 'kill "${PIDS[@]}" 2>/dev/null; wait "${PIDS[@]}" 2>/dev/null || true' EXIT
for i in "${!SPECS[@]}"; do
    spec=${SPECS[$i]}; head=${spec%%:*}; opts=""; [[ "$spec" == *:* ]] && opts=${spec#*:}
    mode=${head%%@*}; PATHS+=("$URL_PATH"); [[ "$head" == *@* ]] && PATHS[i]=${head#*@}
    jar=""; [[ "$mode" == *=* ]] && jar=${mode#*=}; mode=${mode%%=*}
    [[ -v "MODE_ARGS[$mode]" ]] || { echo "unknown mode $mode (${!MODE_ARGS[*]})" >&2; exit 2; }
    DEMO_JAR="$jar" start_demo "$mode" $((PORT + i)) "$LOGS/alternate-row-$i.log" "$opts" "${APP_ARGS[@]}"
    PIDS+=("$DEMO_PID")
done
for i in "${!SPECS[@]}"; do
    await_demo "${PIDS[$i]}" $((PORT + i)) "$LOGS/alternate-row-$i.log"
done

thread_groups() {   # thread_groups PID: per group of the app's threads (names without their numbers), one line of
    # group, CPU clock ticks, migrations, voluntary and involuntary context switches, tab-separated
    local task comm
    for task in /proc/"$1"/task/*; do
        comm=$(cat "$task/comm" 2>/dev/null) || continue
        printf '%s\t%s\t%s\n' "$(sed -E 's/[0-9]+/N/g' <<< "$comm")" \
            "$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null)" \
            "$(awk '/^se.nr_migrations/ {m = $3} /^nr_voluntary_switches/ {v = $3} /^nr_involuntary_switches/ {i = $3}
                    END {print m "\t" v "\t" i}' "$task/sched" 2>/dev/null)"
    done | awk -F'\t' 'NF == 5 {t[$1] += $2; m[$1] += $3; v[$1] += $4; i[$1] += $5}
                       END {for (g in t) print g "\t" t[g] "\t" m[g] "\t" v[g] "\t" i[g]}' | LC_ALL=C sort
}
load() {   # load <spec index> <seconds> [wrk options]: wrk's output
    local i=$1 seconds=$2 lua=(); shift 2
    [[ "${PATHS[$i]}" == /orders ]] && lua=(-s "$HERE/post-order.lua")
    wrk_pinned -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${seconds}s" --timeout "${WRK_TIMEOUT:-10s}" "$@" "${lua[@]}" "http://127.0.0.1:$((PORT + $i))${PATHS[$i]}"
}
# Warm-up in alternation too, in slots of at most 20 s, so that no JVM is left cold while the others warm.
for (( done_s = 0; done_s < WARMUP; done_s += 20 )); do
    for i in "${!SPECS[@]}"; do load "$i" $(( WARMUP - done_s < 20 ? WARMUP - done_s : 20 )) > /dev/null; done
done

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NAME=${NAME:-alternate-$STAMP}
mkdir -p "$OUT"
TSV="$OUT/$NAME.tsv"
RAW="$OUT/$NAME"   # each slot's wrk output
mkdir -p "$RAW"
printf 'round\tmode\tspec\treq_per_s\tp50_ms\tp99_ms\tmax_ms\terrors\tapp_cpu_us\tdb_cpu_us\n' > "$TSV"
THREADS_TSV="$OUT/$NAME-threads.tsv"
(( THREADS )) && printf 'round\tmode\tgroup\tcpu_us_per_request\t%b\n' \
    'migrations_per_1000\tvoluntary_per_1000\tinvoluntary_per_1000' > "$THREADS_TSV"
TCK="$(getconf CLK_TCK)"
n=${#SPECS[@]}
for (( round = 0; round < ROUNDS; round++ )); do
    for (( k = 0; k < n; k++ )); do
        i=$(( (k + round) % n ))
        read -r -a db_pids <<< "$(pgrep -d ' ' -x postgres || true)"
        (( THREADS )) && thread_groups "${PIDS[$i]}" > "$RAW/threads-before"
        app0=$(cpu_ticks "${PIDS[$i]}"); db0=$(cpu_ticks "${db_pids[@]}")
        load "$i" "$DURATION" --latency > "$RAW/r$((round + 1))-$i.txt"
        app1=$(cpu_ticks "${PIDS[$i]}"); db1=$(cpu_ticks "${db_pids[@]}")
        if (( THREADS )); then
            thread_groups "${PIDS[$i]}" > "$RAW/threads-after"
            requests=$(awk '/requests in/ {print $1}' "$RAW/r$((round + 1))-$i.txt")
            LC_ALL=C join -t$'\t' "$RAW/threads-before" "$RAW/threads-after" | awk -F'\t' -v OFS='\t' -v n="$requests" \
                -v tck="$TCK" -v r="$round" -v label="${LABELS[$i]}" '$6 > $2 {
                    printf "%s\t%s\t%s\t%.2f\t%.1f\t%.1f\t%.1f\n", r, label, $1, ($6 - $2) / tck * 1e6 / n,
                        ($7 - $3) * 1000 / n, ($8 - $4) * 1000 / n, ($9 - $5) * 1000 / n }' >> "$THREADS_TSV"
            rm -f "$RAW/threads-before" "$RAW/threads-after"
        fi
        python3 - "$HERE" "$RAW/r$((round + 1))-$i.txt" "$round" "${LABELS[$i]}" "${SPECS[$i]}" \
            $(( app1 - app0 )) $(( db1 - db0 )) "$TCK" >> "$TSV" <<'PY'
import sys
here, wrk_output, round_index, label, spec, app_ticks, db_ticks, tck = sys.argv[1:]
sys.path.insert(0, here)
from report import parse_wrk
slot = parse_wrk(wrk_output)
if not slot["ok"]:
    sys.exit(f"incomplete wrk output in {wrk_output}")
if not slot["requests"]:
    sys.exit(f"{label} answered no request in its slot ({wrk_output}): not warmed up, or not serving (see its log)")
per_request = lambda ticks: f"{int(ticks) / int(tck) * 1e6 / slot['requests']:.0f}"
errors = ", ".join(f"{key} {slot[key]}" for key in ("connect", "read", "write", "timeout", "non2xx") if slot[key])
print(round_index, label, spec, slot["rps"], slot["p50"], slot["p99"], slot["max"], errors, per_request(app_ticks),
      per_request(db_ticks), sep="\t")
PY
        echo "round $((round + 1)): $(tail -1 "$TSV" | cut -f2,4-7,9-10)" >&2
    done
done

python3 - "$TSV" "$COMMAND_LINE" "$URL_PATH" "$CONNS" "$ROUNDS" "$WARMUP" "$DURATION" "$COPIES" "${APP_CPUS:-}" \
    "${WRK_CPUS:-}" "${LABELS[@]}" > "$OUT/$NAME.md" <<'PY'
import csv, statistics, sys
tsv, command, path, conns, rounds, warmup, duration, copies, app_cpus, wrk_cpus, *specs = sys.argv[1:]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
rate = {(r["round"], r["mode"]): float(r["req_per_s"]) for r in rows}
round_ids = sorted({r["round"] for r in rows}, key=int)
print(f"# {path} at {conns} connections, modes in alternation\n")
print(f"Command: `{command}`" + (f" with `COPIES={copies}`" if copies != "1" else "") + "  ")
print(f"{rounds} rounds of {duration} s slots after {warmup} s of warm-up per JVM; every JVM up for the whole run.  ")
print(f"CPUs: the apps on {app_cpus or 'any'}, wrk on {wrk_cpus or 'any'}.\n")
print("| mode | req/s (median) | p99 (median) | max (median) | max (worst) | app CPU µs/request | PostgreSQL CPU µs/request | errors |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for spec in specs:
    mine = [r for r in rows if r["mode"] == spec]
    print(f"| {spec} | {statistics.median(float(r['req_per_s']) for r in mine):,.0f} "
          f"| {statistics.median(float(r['p99_ms']) for r in mine):,.1f} ms "
          f"| {statistics.median(float(r['max_ms']) for r in mine):,.0f} ms | {max(float(r['max_ms']) for r in mine):,.0f} ms "
          f"| {statistics.median(float(r['app_cpu_us']) for r in mine):,.0f} "
          f"| {statistics.median(float(r['db_cpu_us']) for r in mine):,.0f} "
          f"| {'; '.join(sorted({r['errors'] for r in mine if r['errors']})) or 'none'} |")
def ratio_table(title, rate_of, names):
    base = names[0]
    print(f"\n| {title} / {base} | median of per-round ratios | rounds ahead | per-round ratios |")
    print("|---|---:|---:|---|")
    for name in names[1:]:
        ratios = [rate_of(rnd, name) / rate_of(rnd, base) for rnd in round_ids
                  if rate_of(rnd, name) and rate_of(rnd, base)]
        ahead = sum(ratio >= 1 for ratio in ratios)
        print(f"| {name} | {statistics.median(ratios):.2f} | {ahead} of {len(ratios)} "
              f"| {', '.join(f'{ratio:.2f}' for ratio in ratios)} |")
ratio_table("mode" if copies == "1" else "JVM", lambda rnd, label: rate.get((rnd, label)), specs)
if copies != "1":
    # A mode's rate in a round: the mean over its JVMs, each measured in its own slot of that round.
    modes = list(dict.fromkeys(r["spec"] for r in rows))
    def mode_rate(rnd, mode):
        mine = [float(r["req_per_s"]) for r in rows if r["round"] == rnd and r["spec"] == mode]
        return statistics.fmean(mine) if len(mine) == int(copies) else None
    print(f"\nModes over their {copies} JVMs each (a round's rate: the mean of the mode's JVMs in that round):\n")
    print("| mode | req/s (median of round means) | spread of its JVMs' medians | app CPU µs/request |")
    print("|---|---:|---|---:|")
    for mode in modes:
        medians = sorted(statistics.median(float(r["req_per_s"]) for r in rows if r["mode"] == label)
                         for label in {r["mode"] for r in rows if r["spec"] == mode})
        means = [m for m in (mode_rate(rnd, mode) for rnd in round_ids) if m]
        cpu = statistics.median(float(r["app_cpu_us"]) for r in rows if r["spec"] == mode)
        print(f"| {mode} | {statistics.median(means):,.0f} | {medians[0]:,.0f} to {medians[-1]:,.0f} "
              f"({medians[-1] / medians[0] - 1:.0%}) | {cpu:,.0f} |")
    ratio_table("mode", mode_rate, modes)
PY
if (( THREADS )); then
    python3 - "$THREADS_TSV" "${LABELS[@]}" >> "$OUT/$NAME.md" <<'PY'
import csv, statistics, sys
tsv, *labels = sys.argv[1:]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
print("\nThe app's threads by group, per slot (medians over the rounds; groups under 0.5 µs per request left out):\n")
print("| JVM | thread group | CPU µs/request | voluntary switches /1,000 requests | involuntary /1,000 "
      "| migrations /1,000 |")
print("|---|---|---:|---:|---:|---:|")
for label in labels:
    groups = {r["group"] for r in rows if r["mode"] == label}
    def median(group, column):
        return statistics.median(float(r[column]) for r in rows if r["mode"] == label and r["group"] == group)
    for group in sorted(groups, key=lambda g: -median(g, "cpu_us_per_request")):
        if median(group, "cpu_us_per_request") >= 0.5:
            print(f"| {label} | {group} | {median(group, 'cpu_us_per_request'):.1f} "
                  f"| {median(group, 'voluntary_per_1000'):.0f} | {median(group, 'involuntary_per_1000'):.0f} "
                  f"| {median(group, 'migrations_per_1000'):.1f} |")
PY
fi
cat "$OUT/$NAME.md"
echo "(report: $OUT/$NAME.md, slots: $TSV, wrk's output: $RAW)"
