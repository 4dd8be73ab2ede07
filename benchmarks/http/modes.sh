# The benchmark modes and how to start one, sourced by run-http-benchmark.sh, profile-row.sh and alternate-row.sh so
# that they run a mode the same way. Each mode is one of the demo applications with some arguments.

# Application arguments of each mode.
declare -A MODE_ARGS=(
    [platform]="--evergreen.enabled=false"
    [virtual]="--evergreen.enabled=false --spring.threads.virtual.enabled=true"
    [evergreen]=""
    [webflux]="--evergreen.enabled=false --demo.style=reactive"
    [netty]="--demo.style=blocking"
)

# The demo module a mode runs: demo-app (Tomcat) or demo-webflux (Reactor Netty).
mode_module() { case "$1" in webflux|netty) echo demo-webflux ;; *) echo demo-app ;; esac; }

# Whether Evergreen is on in the mode.
mode_has_evergreen() { [[ "$1" == evergreen || "$1" == netty ]]; }

# The jar a mode runs: DEMO_APP_JAR or DEMO_WEBFLUX_JAR when set (another build), else the one `mvn package` builds for
# the mode's demo module; the sourcing script sets REPO.
mode_jar_path() {
    local module; module="$(mode_module "$1")"
    if [[ "$module" == demo-app && -n "${DEMO_APP_JAR:-}" ]]; then echo "$DEMO_APP_JAR"; return; fi
    if [[ "$module" == demo-webflux && -n "${DEMO_WEBFLUX_JAR:-}" ]]; then echo "$DEMO_WEBFLUX_JAR"; return; fi
    echo "$REPO/$module/target/$module-0.1.0-SNAPSHOT.jar"
}

# Which CPUs the apps and wrk run on: APP_CPUS and WRK_CPUS, taskset lists ("0", "0-11"); empty, anywhere. On
# loopback a client that shares the server's cores is woken by nearly every response and preempts the server thread
# that wrote it, so every request pays two context switches on the server's core that no remote client causes, and
# what a server saves by serving many connections per wake-up is lost (RESULTS §23). With the client on cores of
# its own, the server's cores serve requests only, as they would behind a network.
# The default split: wrk on the last quarter of the CPUs (at least one), the apps on the rest, as "APP/WRK" (on 2
# CPUs "0-0/1-1"); nothing on a single CPU. CPUs are numbered from 0 to nproc - 1.
default_cpu_split() {
    local n wrk_cpus; n=$(nproc)
    (( n >= 2 )) || return 0
    wrk_cpus=$(( n / 4 > 0 ? n / 4 : 1 ))
    echo "0-$(( n - wrk_cpus - 1 ))/$(( n - wrk_cpus ))-$(( n - 1 ))"
}

# Sets the array named ARRAY to the prefix that runs a command on CPUS (taskset -c CPUS, which execs it, so the
# command keeps the pid), or to nothing when CPUS is empty. Usage: cpu_pin ARRAY CPUS
cpu_pin() {
    local -n prefix=$1
    prefix=()
    [[ -z "$2" ]] || prefix=(taskset -c "$2")
}

# wrk with its arguments, on WRK_CPUS when set. Usage: wrk_pinned WRK-ARGUMENTS...
wrk_pinned() {
    local -a pin
    cpu_pin pin "${WRK_CPUS:-}"
    "${pin[@]}" wrk "$@"
}

# Starts a mode's demo JVM in the background on the PostgreSQL profile (heap HEAP, 1g), on APP_CPUS when set, and
# sets DEMO_PID; the sourcing script sets JAVA, and DEMO_JAR, when set and not empty, names another build's jar to run
# instead of this tree's.
# Usage: start_demo MODE PORT LOG "JVM options" [app arguments, after the mode's own...]
start_demo() {
    local mode=$1 port=$2 log=$3 jvm_options=$4 jar args pin
    shift 4
    jar="${DEMO_JAR:-$(mode_jar_path "$mode")}"
    [[ -f "$jar" ]] || { echo "$jar is missing: mvn -B -pl demo-app,demo-webflux -am package -DskipTests" >&2; return 2; }
    read -r -a args <<< "${MODE_ARGS[$mode]}"
    cpu_pin pin "${APP_CPUS:-}"   # DEMO_PID stays the JVM's: taskset execs it
    # shellcheck disable=SC2086  # jvm_options is a list of options
    "${pin[@]}" "$JAVA" $jvm_options -Xms"${HEAP:-1g}" -Xmx"${HEAP:-1g}" -jar "$jar" --server.port="$port" --spring.profiles.active=postgres \
        --demo.echo.enabled=false --logging.level.root=WARN "${args[@]}" "$@" > "$log" 2>&1 &
    DEMO_PID=$!
}

# Empties the demo's orders table (in the shared database 'test'), where psql is installed.
empty_orders_table() {
    if command -v psql >/dev/null; then
        psql -h 127.0.0.1 -U postgres -d test -Atqc 'truncate table orders' >/dev/null 2>&1 || true
    fi
}

# The pool arguments for JVMs loaded on these paths. Each JVM's pool opens its 20 connections at start, and PostgreSQL
# allows 100 here: JVMs whose rows do not use the database keep one idle connection (the health check's), so that six
# or more can run at once. Usage: pool_args_for PATH... (prints nothing, or the argument)
pool_args_for() {
    [[ " $* " == */orders* ]] || echo --spring.datasource.hikari.minimum-idle=1
}

# User + system clock ticks of the processes, summed (0 for one that is gone). Usage: cpu_ticks PID...
cpu_ticks() {
    local total=0 pid
    for pid in "$@"; do
        total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

# Waits until the demo JVM answers its health check; fails with the end of its log if it exits first or is not up
# within START_TIMEOUT seconds (180).
# Usage: await_demo PID PORT LOG
await_demo() {
    local pid=$1 port=$2 log=$3 deadline=$(( $(date +%s) + ${START_TIMEOUT:-180} ))
    until [[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/actuator/health" || true)" == 200 ]]; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; return 1; }
        (( $(date +%s) < deadline )) || { tail -20 "$log" >&2; echo "not healthy within ${START_TIMEOUT:-180} s: $log" >&2; return 1; }
        sleep 0.5
    done
}
