# The benchmark modes, sourced by run-http-benchmark.sh and profile-row.sh so that both run a mode the same way.
# Each mode is one of the demo applications with some arguments.

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
