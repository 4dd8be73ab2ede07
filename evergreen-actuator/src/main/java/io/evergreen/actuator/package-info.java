/**
 * Spring Boot Actuator support for Evergreen: the {@code evergreen} and {@code fibers} endpoints, the
 * {@code evergreen} health and info contributors, and Micrometer meters, all read from the loops' own counters,
 * the {@link io.evergreen.monitor.LoopLatencyProbe}, the {@link io.evergreen.monitor.LoopWatchdog} and the fiber
 * registries, without stopping a loop.
 */
package io.evergreen.actuator;
