package io.evergreen.monitor;

/**
 * Told of blocked-loop incidents by a {@link LoopWatchdog}, on the watchdog's thread: keep it short.
 */
public interface BlockedLoopListener {

    /** A loop has been held past the threshold; the event is ongoing. */
    default void loopBlocked(BlockedLoopEvent event) {
    }

    /** The loop moves again; the event holds the incident's whole duration. */
    default void loopUnblocked(BlockedLoopEvent event) {
    }
}
