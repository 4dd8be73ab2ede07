#!/usr/bin/env bash
# Where one row's CPU goes, per request: starts one demo JVM in one mode, warms the row up, measures it with wrk,
# and prints req/s, p50, p99 and max latency, the app's CPU per request, the machine's idle share, the connection
# pool's hold and wait times per borrow (HikariCP, where the row uses it), the Evergreen
# loops' activity per request (cross-thread submissions, wake-ups of a sleeping loop, sleeps, polls, I/O events,
# callbacks; from /actuator/evergreen) and the app's CPU per request by thread group (from /proc/<pid>/task/*/stat).
# A probe for one question at a time, next to run-http-benchmark.sh which measures everything interleaved.
#
# Usage: benchmarks/http/profile-row.sh MODE PATH CONNECTIONS [app arguments...]
#   MODE: platform | virtual | evergreen (demo-app) | webflux | netty (demo-webflux)
#   e.g.  benchmarks/http/profile-row.sh evergreen /orders 200
#         benchmarks/http/profile-row.sh netty '/sleep?ms=20' 1000 --evergreen.loops=4
# Environment: WARMUP (s, 15), DURATION (s, 20), PORT (18091), JVM_OPTS (extra JVM options, e.g. -Djdk.pollerMode=2),
# APP_CPUS and WRK_CPUS (taskset CPU lists for the app and for wrk; unset, anywhere: see modes.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
[[ $# -ge 3 ]] || { sed -n 2,14p "$0" >&2; exit 2; }
MODE=$1; URL_PATH=$2; CONNS=$3; shift 3
WARMUP=${WARMUP:-15}; DURATION=${DURATION:-20}; PORT=${PORT:-18091}; JVM_OPTS=${JVM_OPTS:-}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"

# shellcheck source=modes.sh
source "$HERE/modes.sh"
[[ -v "MODE_ARGS[$MODE]" ]] || { echo "unknown mode $MODE (${!MODE_ARGS[*]})" >&2; exit 2; }
LUA=(); [[ "$URL_PATH" == /orders ]] && LUA=(-s "$HERE/post-order.lua")
BASE="http://127.0.0.1:$PORT"
LOG="$(mktemp -t profile-row-XXXXXX.log)"
empty_orders_table

start_demo "$MODE" "$PORT" "$LOG" "$JVM_OPTS" --management.endpoints.web.exposure.include=evergreen,health,metrics "$@"
PID=$DEMO_PID
trap 'kill $PID 2>/dev/null || true' EXIT
await_demo "$PID" "$PORT" "$LOG"

activity() {   # the loops' activity counters, summed over loops (zeros when Evergreen is off)
    curl -s "$BASE/actuator/evergreen" | python3 -c '
import json, sys
keys = ["externalSubmissions", "wakeups", "sleeps", "polls", "ioEvents", "callbacks"]
sums = [0] * len(keys)
try:
    for loop in json.load(sys.stdin)["loops"]:
        for i, key in enumerate(keys):
            sums[i] += loop["activity"][key]
except Exception:
    pass
print(*sums)'
}
threads() {   # name, CPU ticks and id of each live thread; a thread that ends while we read it is left out
    for t in /proc/$PID/task/*; do
        local name ticks
        name="$(tr ' ' '_' 2>/dev/null < "$t/comm")" && ticks="$(awk '{print $14+$15}' "$t/stat" 2>/dev/null)" \
            && [[ -n "$name" && -n "$ticks" ]] && echo "$name $ticks ${t##*/}"
    done
    return 0
}
pool() {   # HikariCP's totals: borrows, seconds held, seconds waited to borrow (zeros without a pool)
    local metric
    for metric in usage acquire; do
        curl -s "$BASE/actuator/metrics/hikaricp.connections.$metric" | python3 -c '
import json, sys
try:
    m = {s["statistic"]: s["value"] for s in json.load(sys.stdin)["measurements"]}
    print(int(m["COUNT"]), m["TOTAL_TIME"], end=" ")
except Exception:
    print(0, 0, end=" ")'
    done
    echo
}
machine() { awk '/^cpu /{print $5+$6, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }

wrk_pinned -t2 -c"$CONNS" -d"${WARMUP}s" --timeout 10s "${LUA[@]}" "$BASE$URL_PATH" > /dev/null
P0="$(pool)"; A0="$(activity)"; T0="$(threads)"; M0="$(machine)"
OUT="$(wrk_pinned -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency "${LUA[@]}" "$BASE$URL_PATH")"
P1="$(pool)"; A1="$(activity)"; T1="$(threads)"; M1="$(machine)"

python3 - "$MODE" "$URL_PATH" "$CONNS" "$(getconf CLK_TCK)" <<PY
import re, sys, collections
mode, path, conns, tck = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = """$OUT"""
requests = int(re.search(r"(\d+) requests in", out).group(1))
rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
worst = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M).group(1)
a0, a1 = list(map(int, "$A0".split())), list(map(int, "$A1".split()))
m0, m1 = list(map(int, "$M0".split())), list(map(int, "$M1".split()))
def load(text):
    return {tid: (name, int(ticks)) for name, ticks, tid in (line.split() for line in text.strip().splitlines())}
t0, t1 = load("""$T0"""), load("""$T1""")
groups = collections.Counter()
for tid, (name, ticks) in t1.items():
    groups[re.sub(r"\d+", "N", name)] += ticks - t0.get(tid, (name, 0))[1]
per_request = lambda ticks: ticks / tck * 1e6 / requests
print(f"{mode} {path} x{conns}: {float(rps):,.0f} req/s, p50 {p50}, p99 {p99}, max {worst}, app CPU "
      f"{per_request(sum(groups.values())):.0f} us/request, machine idle {(m1[0]-m0[0])/(m1[1]-m0[1]):.0%}")
names = ["cross-thread submissions", "wake-ups", "sleeps", "polls", "I/O events", "callbacks"]
print("  per request: " + ", ".join(f"{n} {(a1[i]-a0[i])/requests:.2f}" for i, n in enumerate(names)))
p0, p1 = list(map(float, "$P0".split())), list(map(float, "$P1".split()))
if p1[0] > p0[0]:
    borrows = p1[0] - p0[0]
    print(f"  connection pool: {borrows / requests:.2f} borrows/request, held {(p1[1]-p0[1]) / borrows * 1e3:.2f} ms, "
          f"waited {(p1[3]-p0[3]) / (p1[2]-p0[2]) * 1e3:.2f} ms per borrow")
for name, ticks in groups.most_common(8):
    if ticks:
        print(f"  {name:24s} {per_request(ticks):6.1f} us/request")
PY
