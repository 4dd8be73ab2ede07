package io.evergreen.actuator;

import io.evergreen.monitor.BlockedLoopEvent;

import java.time.Instant;
import java.util.List;

/**
 * A blocked-loop incident as the endpoints show it.
 *
 * @param sequence the incident's number, from 1
 * @param loop the loop's index
 * @param thread the loop's thread name
 * @param startedAt when the loop was last seen moving
 * @param durationMillis how long the loop was held (so far, while ongoing)
 * @param ongoing whether the loop is still held
 * @param thresholdMillis the watchdog's threshold
 * @param culprit "fiber NAME (id N)" or "a callback"
 * @param fiberId the culprit fiber's id, or -1 for a callback
 * @param fiberName the culprit fiber's name, or null for a callback
 * @param stack the culprit's stack when the incident was detected, one frame per line
 */
public record BlockedEventDescriptor(long sequence, int loop, String thread, Instant startedAt, double durationMillis,
        boolean ongoing, double thresholdMillis, String culprit, long fiberId, String fiberName, List<String> stack) {

    static BlockedEventDescriptor of(BlockedLoopEvent event) {
        if (event == null) {
            return null;
        }
        return new BlockedEventDescriptor(event.sequence(), event.loopIndex(), event.loopName(), event.startedAt(),
                Millis.of(event.duration()), event.isOngoing(), Millis.of(event.threshold()), event.culprit(),
                event.fiberId(), event.fiberName(), event.stack().stream().map(StackTraceElement::toString).toList());
    }
}
