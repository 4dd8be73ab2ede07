#!/usr/bin/env bash
# How fast each mode's fresh JVM reaches its settled speed: starts one JVM per mode (one at a time, in the order
# given, ROUNDS times), loads one row on it with wrk in back-to-back slices of SLICE seconds for SLICES slices, and
# prints a table of req/s per slice (and the app's CPU per request), one column per JVM. run-http-benchmark.sh
# measures fresh JVMs after a fixed warm-up; this shows how much of a mode's result that warm-up decides.
#
# Usage: benchmarks/http/warmup-curve.sh PATH CONNECTIONS MODE[:JVM options]...
#   e.g.  benchmarks/http/warmup-curve.sh /json 64 virtual evergreen
# Environment: ROUNDS (2), SLICES (18), SLICE (5 s), PORT (18121), OUT (benchmarks/results), APP_CPUS and WRK_CPUS
# (taskset CPU lists for the apps and for wrk; unset, anywhere: see modes.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
[[ $# -ge 3 ]] || { sed -n 7,10p "$0" >&2; exit 2; }
URL_PATH=$1; CONNS=$2; shift 2; MODE_SPECS=("$@")
ROUNDS=${ROUNDS:-2}; SLICES=${SLICES:-18}; SLICE=${SLICE:-5}; PORT=${PORT:-18121}
OUT=${OUT:-$REPO/benchmarks/results}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
# shellcheck source=modes.sh
source "$HERE/modes.sh"
ulimit -n 20000 2>/dev/null || true
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RAW="$OUT/warmup-$STAMP"
mkdir -p "$RAW"
read -r -a APP_ARGS <<< "$(pool_args_for "$URL_PATH")"

LABELS=()
for (( round = 1; round <= ROUNDS; round++ )); do
    for spec in "${MODE_SPECS[@]}"; do
        mode=${spec%%:*}; jvm_options=""
        [[ "$spec" == *:* ]] && jvm_options=${spec#*:}
        label="$spec#$round"; LABELS+=("$label")
        empty_orders_table
        log="$RAW/${#LABELS[@]}.log"
        start_demo "$mode" "$PORT" "$log" "$jvm_options" "${APP_ARGS[@]}"
        pid=$DEMO_PID
        await_demo "$pid" "$PORT" "$log"
        echo "[$(date -u +%H:%M:%S)] $label started (pid $pid)" >&2
        for (( slice = 1; slice <= SLICES; slice++ )); do
            before=$(cpu_ticks "$pid")
            out=$(wrk_pinned -t2 -c"$CONNS" -d"${SLICE}s" --latency --timeout 10s "http://127.0.0.1:$PORT$URL_PATH")
            after=$(cpu_ticks "$pid")
            rps=$(awk '/^Requests\/sec/ { print $2 }' <<< "$out")
            us=$(awk -v t=$((after - before)) -v r="$rps" -v s="$SLICE" 'BEGIN { printf "%.0f", (r > 0 ? t * 10000 / (r * s) : 0) }')
            printf '%s\t%d\t%s\t%s\n' "$label" "$slice" "$rps" "$us" >> "$RAW/slices.tsv"
        done
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
done

{
    echo "# Warm-up curve: $URL_PATH at $CONNS connections, slices of $SLICE s"
    echo
    echo "Command: \`$(printf '%q ' "$0" "$URL_PATH" "$CONNS" "${MODE_SPECS[@]}")\` (ROUNDS=$ROUNDS SLICES=$SLICES SLICE=$SLICE)"
    echo
    echo "req/s per slice (app CPU µs per request), each column a fresh JVM started at slice 0:"
    echo
    python3 - "$RAW/slices.tsv" "${LABELS[@]}" <<'PY'
import sys, collections
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    label, slice_, rps, us = line.rstrip("\n").split("\t")
    rows[int(slice_)][label] = (float(rps), us)
labels = sys.argv[2:]
print("| slice | " + " | ".join(labels) + " |")
print("|---:|" + "---:|" * len(labels))
for s in sorted(rows):
    print(f"| {s} | " + " | ".join(f"{rows[s][l][0]:,.0f} ({rows[s][l][1]})" if l in rows[s] else "" for l in labels) + " |")
PY
} | tee "$OUT/warmup-$STAMP.md"
