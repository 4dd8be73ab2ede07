#!/usr/bin/env bash
# HTTP benchmark of the demo apps in five modes: on Tomcat (demo-app) platform threads, JDK virtual threads and
# Evergreen fibers; on Reactor Netty (demo-webflux) plain reactive WebFlux and Evergreen fibers on the Netty loops.
# The modes are interleaved because the machine is noisy. By default (--schedule alternate) every mode's JVM runs at
# once for a row and the load takes turns among them in short slots, round after round (alternate-row.sh), so that
# the drift of this machine's speed and the JIT's warm-up fall on all modes alike; --schedule fresh starts one JVM
# per mode and round and runs every row on it (A B C, A B C, ...). See benchmarks/http/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COMMAND_LINE="$(printf '%q ' "$0" "$@")"
COMMAND_LINE="${COMMAND_LINE% }"

# ---------------------------------------------------------------------------------------------- defaults ---
SCHEDULE=alternate
COPIES=1
ROUNDS=""
WARMUP=""
DURATION=""
ROWS="hello,json,sleep,sleep0,orders"
MODES="platform,virtual,evergreen,webflux,netty"
PORT=18090
HEAP="1g"
WRK_THREADS=2
WRK_TIMEOUT="10s"
SLEEP_MS=20
START_TIMEOUT=180
SKIP_BUILD=0
RESET_ORDERS=0
OUT_DIR="$REPO/benchmarks/results"
JAR="$REPO/demo-app/target/demo-app-0.1.0-SNAPSHOT.jar"
WEBFLUX_JAR="$REPO/demo-webflux/target/demo-webflux-0.1.0-SNAPSHOT.jar"
APP_ARGS=""
PIN=auto
declare -A CONNS=([hello]=64 [json]=64 [sleep]=1000 [sleep0]=1000 [orders]=200)

usage() {
    cat <<EOF
Usage: benchmarks/http/run-http-benchmark.sh [options]

Runs the demo app in each mode, interleaved, and measures each row with wrk. Prints a Markdown report and writes
it to <out>/http-<UTC timestamp>.md (raw wrk output and app logs under <out>/http-<UTC timestamp>/).

Options:
  --schedule S          alternate: per row, every mode's JVM up at once, the load taking turns in slots of
                        --duration s, rotated each round (A B C, B C A, ...), after --warmup s per JVM;
                        fresh: a fresh JVM per mode and round, every row on it (--warmup, then --duration)
                                                                                 [alternate]
  --rounds N            rounds                                     [alternate: 5; fresh: 3]
  --copies N            alternate: JVMs per mode, each with a slot of its own per round; a mode's rate in a
                        round is the mean of its JVMs' (C2 draws its inlining anew in every JVM)      [1]
  --warmup S            warm-up, seconds: per JVM (alternate) or per row (fresh)  [alternate: 40; fresh: 20]
  --duration S          measurement per slot (alternate) or per row (fresh)       [alternate: 10; fresh: 30]
  --rows LIST           comma list of hello,json,sleep,sleep0,orders      [$ROWS]
  --modes LIST          comma list of platform,virtual,evergreen,webflux,netty (order = order within a round)
                        [$MODES]
  --conns ROW=N,...     connections per row     [hello=64,json=64,sleep=1000,sleep0=1000,orders=200]
  --sleep-ms MS         the sleep row's ?ms=                                     [$SLEEP_MS]
  --port P              the app's port (must be free)                            [$PORT]
  --heap SIZE           -Xms and -Xmx of the app                                 [$HEAP]
  --wrk-threads T       wrk -t                                                   [$WRK_THREADS]
  --timeout T           wrk --timeout (all rows)                                 [$WRK_TIMEOUT]
  --start-timeout S     how long to wait for /actuator/health                    [$START_TIMEOUT]
  --pin SPLIT           which CPUs the apps and wrk run on: auto (wrk on the last quarter of the CPUs, at least
                        one, the apps on the rest: 0-0/1-1 on 2 CPUs), off (all on any CPU, sharing them), or
                        APP/WRK as taskset lists (0-11/12-15). A client sharing the server's cores preempts
                        it at nearly every response, which no remote client does (RESULTS §23)   [auto]
  --app-args "ARGS"     extra arguments for the app, every mode (split on spaces)
  --jar PATH            the Tomcat demo jar                                      [demo-app/target/demo-app-0.1.0-SNAPSHOT.jar]
  --webflux-jar PATH    the WebFlux demo jar           [demo-webflux/target/demo-webflux-0.1.0-SNAPSHOT.jar]
  --skip-build          do not build the demo jar (it must exist)
  --reset-orders        TRUNCATE the orders table before each JVM starts (it is in the shared database 'test':
                        off by default; without it the table grows during the run, its row count is reported)
  --out DIR             where the report goes                                    [benchmarks/results]
  -h, --help            this text
EOF
}

die() { echo "run-http-benchmark: $*" >&2; exit 1; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --schedule) SCHEDULE="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --copies) COPIES="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --rows) ROWS="$2"; shift 2 ;;
        --modes) MODES="$2"; shift 2 ;;
        --conns)
            IFS=',' read -r -a pairs <<< "$2"
            for pair in "${pairs[@]}"; do
                [[ "$pair" =~ ^(hello|json|sleep|sleep0|orders)=([0-9]+)$ ]] || die "--conns: bad entry '$pair' (ROW=N)"
                CONNS[${BASH_REMATCH[1]}]="${BASH_REMATCH[2]}"
            done
            shift 2 ;;
        --sleep-ms) SLEEP_MS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --heap) HEAP="$2"; shift 2 ;;
        --wrk-threads) WRK_THREADS="$2"; shift 2 ;;
        --timeout) WRK_TIMEOUT="$2"; shift 2 ;;
        --start-timeout) START_TIMEOUT="$2"; shift 2 ;;
        --pin) PIN="$2"; shift 2 ;;
        --app-args) APP_ARGS="$2"; shift 2 ;;
        --jar) JAR="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
        --webflux-jar) WEBFLUX_JAR="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --reset-orders) RESET_ORDERS=1; shift ;;
        --out) mkdir -p "$2"; OUT_DIR="$(cd "$2" && pwd)"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

case "$SCHEDULE" in
    alternate) ROUNDS=${ROUNDS:-5}; WARMUP=${WARMUP:-40}; DURATION=${DURATION:-10} ;;
    fresh) ROUNDS=${ROUNDS:-3}; WARMUP=${WARMUP:-20}; DURATION=${DURATION:-30}
        [[ "$COPIES" == 1 ]] || die "--copies is for --schedule alternate" ;;
    *) die "--schedule must be alternate or fresh, not '$SCHEDULE'" ;;
esac
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_uint "$ROUNDS" && (( ROUNDS >= 1 )) || die "--rounds must be a positive integer"
is_uint "$COPIES" && (( COPIES >= 1 )) || die "--copies must be a positive integer"
is_uint "$WARMUP" || die "--warmup must be a non-negative integer (seconds)"
is_uint "$DURATION" && (( DURATION >= 1 )) || die "--duration must be a positive integer (seconds)"
is_uint "$SLEEP_MS" && (( SLEEP_MS >= 1 )) || die "--sleep-ms must be a positive integer"
is_uint "$PORT" && (( PORT >= 1 && PORT <= 65535 )) || die "--port must be 1..65535"
is_uint "$WRK_THREADS" && (( WRK_THREADS >= 1 )) || die "--wrk-threads must be a positive integer"
is_uint "$START_TIMEOUT" || die "--start-timeout must be an integer (seconds)"
IFS=',' read -r -a ROW_LIST <<< "$ROWS"
IFS=',' read -r -a MODE_LIST <<< "$MODES"
(( ${#ROW_LIST[@]} > 0 )) || die "--rows is empty"
(( ${#MODE_LIST[@]} > 0 )) || die "--modes is empty"
for row in "${ROW_LIST[@]}"; do
    [[ "$row" =~ ^(hello|json|sleep|sleep0|orders)$ ]] || die "unknown row '$row' (hello, json, sleep, sleep0, orders)"
    (( CONNS[$row] >= WRK_THREADS )) || die "row $row: wrk needs at least as many connections as threads"
done
for mode in "${MODE_LIST[@]}"; do
    [[ "$mode" =~ ^(platform|virtual|evergreen|webflux|netty)$ ]] \
        || die "unknown mode '$mode' (platform, virtual, evergreen, webflux, netty)"
done

# sleep0: the sleep endpoint without the wait, at the sleep row's connections: the CPU-bound ceiling of the sleep row.
declare -A ROW_PATH=([hello]="/hello" [json]="/json" [sleep]="/sleep?ms=$SLEEP_MS" [sleep0]="/sleep?ms=0" [orders]="/orders")
declare -A ROW_EXPECT=([hello]=200 [json]=200 [sleep]=200 [sleep0]=200 [orders]=201)
# shellcheck source=modes.sh
source "$HERE/modes.sh"
mode_jar() { if [[ "$(mode_module "$1")" == demo-webflux ]]; then echo "$WEBFLUX_JAR"; else echo "$JAR"; fi; }
NEED_TOMCAT_JAR=0; NEED_WEBFLUX_JAR=0
for mode in "${MODE_LIST[@]}"; do
    if [[ "$(mode_module "$mode")" == demo-webflux ]]; then NEED_WEBFLUX_JAR=1; else NEED_TOMCAT_JAR=1; fi
done
BASE_URL="http://127.0.0.1:$PORT"

# ------------------------------------------------------------------------------------------ preflight ---
command -v wrk >/dev/null || die "wrk is not installed (Debian: apt-get install wrk)"
case "$PIN" in
    auto) PIN="$(default_cpu_split)" ;;
    off) PIN="" ;;
    */*) ;;
    *) die "--pin must be auto, off or APP_CPUS/WRK_CPUS (taskset lists, e.g. 0-11/12-15), not '$PIN'" ;;
esac
APP_CPUS=""; WRK_CPUS=""
if [[ -n "$PIN" ]]; then
    command -v taskset >/dev/null || die "--pin needs taskset (util-linux); --pin off runs without it"
    APP_CPUS="${PIN%%/*}"; WRK_CPUS="${PIN#*/}"
    for cpus in "$APP_CPUS" "$WRK_CPUS"; do
        taskset -c "$cpus" true 2>/dev/null || die "--pin: '$cpus' is not a CPU list this machine has (nproc: $(nproc))"
    done
fi
export APP_CPUS WRK_CPUS   # start_demo and wrk_pinned (modes.sh) and alternate-row.sh read them
command -v python3 >/dev/null || die "python3 is required (report)"
command -v curl >/dev/null || die "curl is required (readiness and sanity checks)"
command -v ss >/dev/null || die "ss (iproute2) is required (port check)"

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" || "$(java_major "${JAVA_HOME}/bin/java")" -lt 25 ]]; then
    if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
        export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
    fi
fi
[[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] || die "set JAVA_HOME to a JDK 25"
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"
(( $(java_major "$JAVA") >= 25 )) || die "$JAVA is not JDK 25 or later"

pg_ok=0
if command -v pg_isready >/dev/null; then
    pg_isready -q -h 127.0.0.1 -p 5432 -d test -U postgres && pg_ok=1
else
    python3 -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 2).close()' 2>/dev/null && pg_ok=1
fi
(( pg_ok )) || die "PostgreSQL is not reachable at 127.0.0.1:5432 (the app runs with --spring.profiles.active=postgres: database test, user postgres)"
HAVE_PSQL=0
if command -v psql >/dev/null; then
    psql -h 127.0.0.1 -p 5432 -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1 \
        || die "psql cannot connect to database 'test' as postgres at 127.0.0.1:5432"
    HAVE_PSQL=1
fi
(( RESET_ORDERS == 0 || HAVE_PSQL == 1 )) || die "--reset-orders needs psql"

port_busy() { [[ -n "$(ss -Htln "sport = :$PORT" 2>/dev/null)" ]]; }
port_busy && die "port $PORT is already in use: $(ss -Htlnp "sport = :$PORT" | head -1)"

max_conns=0
for row in "${ROW_LIST[@]}"; do (( CONNS[$row] > max_conns )) && max_conns=${CONNS[$row]}; done
need_fds=$(( max_conns * 2 + 1024 ))
if (( $(ulimit -n) < need_fds )); then
    hard="$(ulimit -Hn)"
    if [[ "$hard" == unlimited ]] || (( hard >= 65536 )); then ulimit -n 65536; else ulimit -n "$hard"; fi
fi
(( $(ulimit -n) >= need_fds )) || die "open-files limit $(ulimit -n) is below $need_fds (max connections $max_conns); raise the hard limit"

# ---------------------------------------------------------------------------------------------- build ---
if (( ! SKIP_BUILD )); then
    log "building the demo jars (mvn -pl demo-app,demo-webflux -am package -DskipTests)"
    if ! (cd "$REPO" && mvn -B -o -q -pl demo-app,demo-webflux -am package -DskipTests); then
        log "offline build failed; retrying online"
        (cd "$REPO" && mvn -B -q -pl demo-app,demo-webflux -am package -DskipTests) || die "the build failed"
    fi
fi
if (( NEED_TOMCAT_JAR )); then [[ -f "$JAR" ]] || die "$JAR does not exist"; fi
if (( NEED_WEBFLUX_JAR )); then [[ -f "$WEBFLUX_JAR" ]] || die "$WEBFLUX_JAR does not exist"; fi

# ------------------------------------------------------------------------------------------- run dirs ---
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$OUT_DIR/http-$STAMP.md"
RAW="$OUT_DIR/http-$STAMP"
mkdir -p "$RAW"
CLK_TCK="$(getconf CLK_TCK)"

meta() { printf '%s\t%s\n' "$1" "$2" >> "$RAW/meta.tsv"; }
: > "$RAW/meta.tsv"
meta command "$COMMAND_LINE"
meta date_utc "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
meta host "$(hostname)"
meta nproc "$(nproc)"
meta cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
meta memory "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
meta kernel "$(uname -sr)"
meta java "$("$JAVA" -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
meta wrk "$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
if (( HAVE_PSQL )); then meta postgresql "$(psql -h 127.0.0.1 -U postgres -d test -Atqc 'show server_version')"; fi
meta git "$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$REPO" && git diff --quiet HEAD -- . ':!benchmarks/results' 2>/dev/null || echo ' (dirty)')"
meta jar "${JAR#"$REPO"/}"
meta webflux_jar "${WEBFLUX_JAR#"$REPO"/}"
meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta rounds "$ROUNDS"; meta warmup "$WARMUP"; meta duration "$DURATION"
meta rows "$ROWS"; meta modes "$MODES"; meta port "$PORT"; meta heap "$HEAP"
meta wrk_threads "$WRK_THREADS"; meta wrk_timeout "$WRK_TIMEOUT"; meta sleep_ms "$SLEEP_MS"
meta app_cpus "${APP_CPUS:-any}"; meta wrk_cpus "${WRK_CPUS:-any}"
meta app_args "$APP_ARGS"; meta reset_orders "$RESET_ORDERS"; meta ulimit_n "$(ulimit -n)"
for row in hello json sleep sleep0 orders; do meta "conns_$row" "${CONNS[$row]}"; meta "path_$row" "${ROW_PATH[$row]}"; done

# ------------------------------------------------------------------------------- alternate schedule ---
# Per row, alternate-row.sh runs every mode's JVM at once and gives the load to one at a time. The sleep row also
# loads Evergreen's JVM on /sleep?ms=0 in its own slot (the CPU-bound ceiling, paired with the row in time) when the
# sleep0 row is asked for. Each JVM's pool opens 20 PostgreSQL connections on the orders row: when that would pass
# the server's max_connections, the Tomcat and the Netty modes take turns in two alternations, one after the other.
run_alternate_schedule() {
    local row module specs group_specs name max_pg jvms
    max_pg=100
    (( HAVE_PSQL )) && max_pg="$(psql -h 127.0.0.1 -U postgres -d test -Atqc 'show max_connections' 2>/dev/null || echo 100)"
    printf 'row\tname\tpath\tconns\tspecs\n' > "$RAW/rows.tsv"
    for row in "${ROW_LIST[@]}"; do
        if [[ "$row" == sleep0 && " ${ROW_LIST[*]} " == *" sleep "* && " ${MODE_LIST[*]} " == *" evergreen "* ]]; then
            continue   # measured in the sleep row's alternation
        fi
        specs=("${MODE_LIST[@]}")
        if [[ "$row" == sleep && " ${ROW_LIST[*]} " == *" sleep0 "* && " ${MODE_LIST[*]} " == *" evergreen "* ]]; then
            specs+=("evergreen@${ROW_PATH[sleep0]}")
        fi
        jvms=$(( ${#specs[@]} * COPIES ))
        local -a groups=("${specs[*]}")
        if [[ "$row" == orders ]] && (( jvms * 20 + 10 > max_pg )); then
            groups=()
            for module in demo-app demo-webflux; do
                group_specs=()
                for spec in "${specs[@]}"; do [[ "$(mode_module "${spec%%@*}")" == "$module" ]] && group_specs+=("$spec"); done
                (( ${#group_specs[@]} )) && groups+=("${group_specs[*]}")
            done
        fi
        for group in "${groups[@]}"; do
            read -r -a group_specs <<< "$group"
            if [[ "$row" == orders ]] && (( ${#group_specs[@]} * COPIES * 20 + 10 > max_pg )); then
                die "row orders: ${#group_specs[@]} modes × $COPIES JVMs × 20 pooled connections pass PostgreSQL's max_connections ($max_pg); run fewer modes or copies"
            fi
            name="row-$row"; (( ${#groups[@]} > 1 )) && name+="-$(mode_module "${group_specs[0]}")"
            printf '%s\t%s\t%s\t%s\t%s\n' "$row" "$name" "${ROW_PATH[$row]}" "${CONNS[$row]}" "${group_specs[*]}" >> "$RAW/rows.tsv"
            log "row $row (${ROW_PATH[$row]}, ${CONNS[$row]} connections): ${group_specs[*]} in alternation"
            mkdir -p "$RAW/logs-$name"
            NAME="$name" OUT="$RAW" ROUNDS="$ROUNDS" WARMUP="$WARMUP" DURATION="$DURATION" PORT="$PORT" COPIES="$COPIES" \
                LOGS="$RAW/logs-$name" APP_EXTRA_ARGS="$APP_ARGS" DEMO_APP_JAR="$JAR" DEMO_WEBFLUX_JAR="$WEBFLUX_JAR" \
                RESET_ORDERS="$RESET_ORDERS" HEAP="$HEAP" WRK_THREADS="$WRK_THREADS" WRK_TIMEOUT="$WRK_TIMEOUT" \
                START_TIMEOUT="$START_TIMEOUT" \
                "$HERE/alternate-row.sh" "${ROW_PATH[$row]}" "${CONNS[$row]}" "${group_specs[@]}" > "$RAW/$name.out" 2>&1 \
                || { tail -20 "$RAW/$name.out" >&2; die "row $row failed (see $RAW/$name.out)"; }
        done
    done
    meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
    meta finished_utc "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    python3 "$HERE/alternate_report.py" --raw "$RAW" --out "$REPORT"
    log "report: $REPORT (each row's slots, wrk output and app logs: $RAW)"
    exit 0
}

meta schedule "$SCHEDULE"
meta copies "$COPIES"
if [[ "$SCHEDULE" == alternate ]]; then
    run_alternate_schedule   # defined below the fresh schedule's helpers; it exits
fi

printf 'round\tmode\trow\tconns\twrk_rc\twrk_file\twall_s\tapp_ticks\twrk_user_s\twrk_sys_s\tmachine_busy_ticks\tmachine_total_ticks\tthreads_after\tclk_tck\n' \
    > "$RAW/cells.tsv"
printf 'round\tmode\tpid\tstartup_s\twarn_lines\terror_lines\tblocked_lines\torders_before\torders_after\tlog\n' > "$RAW/jvms.tsv"

# ---------------------------------------------------------------------------------- app lifecycle ---
APP_PID=""
WRK_PID=""

stop_app() {
    [[ -n "$APP_PID" ]] || return 0
    if kill -0 "$APP_PID" 2>/dev/null; then
        kill -TERM "$APP_PID" 2>/dev/null || true
        for _ in $(seq 1 120); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$APP_PID" 2>/dev/null; then
            log "app $APP_PID did not stop within 60 s of SIGTERM; SIGKILL"
            kill -KILL "$APP_PID" 2>/dev/null || true
        fi
    fi
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$WRK_PID" ]]; then kill -TERM "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
    stop_app
    if (( rc != 0 )) && [[ -n "${RAW:-}" && -d "${RAW:-}" ]]; then
        log "stopped early (exit $rc); raw output so far is in $RAW"
        log "a report of what ran: python3 $HERE/report.py --raw $RAW --out $REPORT"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

orders_count() {
    if (( HAVE_PSQL )); then
        psql -h 127.0.0.1 -U postgres -d test -Atqc 'select count(*) from orders' 2>/dev/null || echo "-"
    else
        echo "-"
    fi
}

start_app() {   # start_app MODE LOGFILE
    local mode="$1" logfile="$2"
    local -a args
    # shellcheck disable=SC2206  # intended word splitting of the mode's and the user's arguments
    args=(-Xms"$HEAP" -Xmx"$HEAP" -jar "$(mode_jar "$mode")" --server.port="$PORT" --spring.profiles.active=postgres
          --demo.echo.enabled=false --logging.level.root=WARN ${MODE_ARGS[$mode]} $APP_ARGS)
    for _ in $(seq 1 20); do port_busy || break; sleep 0.5; done
    port_busy && die "port $PORT is still in use before starting $mode: $(ss -Htlnp "sport = :$PORT" | head -1)"
    local -a pin
    cpu_pin pin "$APP_CPUS"
    args=("${pin[@]}" "$JAVA" "${args[@]}")
    echo "${args[*]}" > "$logfile.cmd"
    "${args[@]}" > "$logfile" 2>&1 &
    APP_PID=$!
    local t0 deadline
    t0="$(date +%s.%N)"
    deadline=$(( $(date +%s) + START_TIMEOUT ))
    local health fails500=0
    while :; do
        health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/actuator/health" 2>/dev/null || true)"
        [[ "$health" == 200 ]] && break
        if ! kill -0 "$APP_PID" 2>/dev/null; then
            tail -40 "$logfile" >&2 || true
            APP_PID=""
            die "$mode: the app exited during startup (log: $logfile)"
        fi
        # 503 is "DOWN" (e.g. the database not yet reachable): keep waiting. 500 is an exception in every
        # request: the app is up but cannot serve; say why at once rather than after the timeout.
        if [[ "$health" == 500 ]]; then fails500=$(( fails500 + 1 )); else fails500=0; fi
        if (( fails500 >= 6 )); then
            local cause
            cause="$(grep -m1 -E '^[a-zA-Z.$]+(Exception|Error)(: .*)?$' "$logfile" || true)"
            echo "run-http-benchmark: $mode: /actuator/health answers 500: every request fails. First exception in $logfile:" >&2
            echo "    ${cause:-(none found; see the log)}" >&2
            die "$mode: the app cannot serve requests"
        fi
        (( $(date +%s) < deadline )) || { tail -40 "$logfile" >&2; die "$mode: /actuator/health not UP within $START_TIMEOUT s (last status ${health:-none}; log: $logfile)"; }
        sleep 0.5
    done
    STARTUP_S="$(python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$t0")"
    # The mode is what we asked for: the evergreen endpoint exists exactly when Evergreen is on.
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/actuator/evergreen" || true)"
    if mode_has_evergreen "$mode" && [[ "$code" != 200 ]]; then die "$mode: /actuator/evergreen answered $code, expected 200 (is Evergreen on?)"; fi
    if ! mode_has_evergreen "$mode" && [[ "$code" == 200 ]]; then die "$mode: /actuator/evergreen answered 200: Evergreen is on in a mode that turns it off"; fi
}

check_row() {   # check_row MODE ROW: one request must answer the expected status
    local mode="$1" row="$2" code
    if [[ "$row" == orders ]]; then
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
            -d '{"item":"tea","quantity":2}' "$BASE_URL${ROW_PATH[$row]}" || true)"
    else
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE_URL${ROW_PATH[$row]}" || true)"
    fi
    [[ "$code" == "${ROW_EXPECT[$row]}" ]] || die "$mode: ${ROW_PATH[$row]} answered '$code', expected ${ROW_EXPECT[$row]}"
}

app_ticks() {   # utime + stime of the app, in clock ticks (fields 14 and 15 of /proc/PID/stat)
    local stat
    stat="$(cat "/proc/$APP_PID/stat")"
    stat="${stat##*) }"   # drop "pid (comm) ": the rest starts at field 3
    # shellcheck disable=SC2086
    set -- $stat
    echo $(( ${12} + ${13} ))
}

machine_ticks() {   # "busy total" over all CPUs, from the first line of /proc/stat
    awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print total - $5 - $6, total; exit }' /proc/stat
}

seconds_of() {   # "1m2.345s" -> 62.345
    awk -v t="$1" 'BEGIN { split(t, p, "m"); sub("s", "", p[2]); printf "%.3f", p[1] * 60 + p[2] }'
}

run_wrk() {   # run_wrk ROW SECONDS OUTFILE: wrk's CPU ("user sys" seconds) goes to OUTFILE.cpu; returns wrk's status
    local row="$1" secs="$2" out="$3" rc=0 before_u before_s after_u after_s
    local -a cmd
    cpu_pin cmd "$WRK_CPUS"
    cmd+=(wrk --latency -t"$WRK_THREADS" -c"${CONNS[$row]}" -d"${secs}s" --timeout "$WRK_TIMEOUT")
    [[ "$row" == orders ]] && cmd+=(-s "$HERE/post-order.lua")
    cmd+=("$BASE_URL${ROW_PATH[$row]}")
    echo "${cmd[*]}" > "$out.cmd"
    # wrk runs in the background so that a signal reaches our trap at once (which stops it). Its CPU is the
    # difference of this shell's reaped-children times around it: nothing else is reaped in between.
    times > "$out.times0"
    "${cmd[@]}" > "$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    times > "$out.times1"
    { read -r _; read -r before_u before_s; } < "$out.times0"
    { read -r _; read -r after_u after_s; } < "$out.times1"
    awk -v a="$(seconds_of "$before_u")" -v b="$(seconds_of "$after_u")" \
        -v c="$(seconds_of "$before_s")" -v d="$(seconds_of "$after_s")" \
        'BEGIN { printf "%.3f %.3f\n", b - a, d - c }' > "$out.cpu"
    rm -f "$out.times0" "$out.times1"
    return "$rc"
}

# -------------------------------------------------------------------------------------------- rounds ---
cells=$(( ROUNDS * ${#MODE_LIST[@]} * ${#ROW_LIST[@]} ))
est=$(( cells * (WARMUP + DURATION) / 60 ))
log "rounds=$ROUNDS modes=$MODES rows=$ROWS warm-up=${WARMUP}s measure=${DURATION}s: $cells cells, about $est min plus JVM starts"
log "raw output: $RAW"

for round in $(seq 1 "$ROUNDS"); do
    for mode in "${MODE_LIST[@]}"; do
        (( RESET_ORDERS )) && empty_orders_table
        orders_before="$(orders_count)"
        logfile="$RAW/app-r$round-$mode.log"
        log "round $round/$ROUNDS: starting $mode"
        start_app "$mode" "$logfile"
        log "round $round/$ROUNDS: $mode ready in ${STARTUP_S}s (pid $APP_PID)"
        for row in "${ROW_LIST[@]}"; do
            check_row "$mode" "$row"
            base="$RAW/r$round-$mode-$row"
            if (( WARMUP > 0 )); then
                log "  $mode $row: warm-up ${WARMUP}s (${CONNS[$row]} connections)"
                run_wrk "$row" "$WARMUP" "$base.warmup.txt" || log "  warm-up: wrk exited $? (see $base.warmup.txt)"
            fi
            log "  $mode $row: measure ${DURATION}s (${CONNS[$row]} connections)"
            kill -0 "$APP_PID" 2>/dev/null || die "$mode: the app died (log: $logfile)"
            a0="$(app_ticks)"; read -r mb0 mt0 < <(machine_ticks); t0="$(date +%s.%N)"
            wrk_rc=0
            run_wrk "$row" "$DURATION" "$base.txt" || wrk_rc=$?
            t1="$(date +%s.%N)"; read -r mb1 mt1 < <(machine_ticks)
            kill -0 "$APP_PID" 2>/dev/null || die "$mode: the app died during $row (log: $logfile)"
            a1="$(app_ticks)"
            threads="$(awk '/^Threads:/ {print $2}' "/proc/$APP_PID/status")"
            read -r wu ws < "$base.txt.cpu" || { wu=0; ws=0; }
            wall="$(python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.3f}')" "$t0" "$t1")"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$row" "${CONNS[$row]}" \
                "$wrk_rc" "$(basename "$base.txt")" "$wall" "$(( a1 - a0 ))" "$wu" "$ws" "$(( mb1 - mb0 ))" "$(( mt1 - mt0 ))" \
                "$threads" "$CLK_TCK" >> "$RAW/cells.tsv"
            rps="$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$base.txt")"
            errs="$(grep -E '^[[:space:]]*(Socket errors|Non-2xx)' "$base.txt" | tr -s ' ' | tr '\n' ';' || true)"
            note="${errs:+  ($errs)}"
            (( wrk_rc == 0 )) || note="$note  wrk exited $wrk_rc"
            log "  $mode $row: ${rps:-?} req/s$note"
        done
        pid="$APP_PID"
        stop_app
        orders_after="$(orders_count)"
        warn="$(grep -c ' WARN ' "$logfile" || true)"
        error="$(grep -c ' ERROR ' "$logfile" || true)"
        blocked="$(grep -c 'blocked for' "$logfile" || true)"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$pid" "$STARTUP_S" "$warn" "$error" "$blocked" \
            "$orders_before" "$orders_after" "$(basename "$logfile")" >> "$RAW/jvms.tsv"
    done
done

meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta finished_utc "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
python3 "$HERE/report.py" --raw "$RAW" --out "$REPORT"
log "report: $REPORT (raw wrk output and app logs: $RAW)"
