/**
 * Watching loops and fibers from outside: the {@link io.evergreen.monitor.LoopLatencyProbe} (each loop's lag
 * and busy ratio), the {@link io.evergreen.monitor.LoopWatchdog} (loops held past a threshold, with the
 * culprit's stack) and {@link io.evergreen.monitor.FiberDump} (live fibers, loop by loop, as data or as text
 * like a thread dump). Nothing here stops a loop or adds work to its hot path; the Spring actuator module
 * publishes all of it as endpoints, meters and health.
 */
package io.evergreen.monitor;
