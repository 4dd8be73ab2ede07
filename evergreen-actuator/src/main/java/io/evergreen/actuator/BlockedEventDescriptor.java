package io.evergreen.actuator;

import io.evergreen.monitor.BlockedLoopEvent;

import java.time.Instant;
import java.util.ArrayList;
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
 * @param culprit "fiber NAME (id N)", "a callback", or "a callback waiting for LOCK" when the loop thread itself
 *     waits for a lock or monitor (which a loop thread must never do)
 * @param fiberId the culprit fiber's id, or -1 for a callback
 * @param fiberName the culprit fiber's name, or null for a callback
 * @param stack the culprit's stack when the incident was detected, one frame per line, innermost first; the
 *     first {@value #MAX_FRAMES} frames and a line that counts the rest
 */
public record BlockedEventDescriptor(long sequence, int loop, String thread, Instant startedAt, double durationMillis,
        boolean ongoing, double thresholdMillis, String culprit, long fiberId, String fiberName, List<String> stack) {

    /**
     * Frames shown per incident: enough to reach the application's code under a servlet stack, few enough that
     * the summary of 64 incidents, polled every second by a dashboard, stays small.
     */
    static final int MAX_FRAMES = 48;

    static BlockedEventDescriptor of(BlockedLoopEvent event) {
        if (event == null) {
            return null;
        }
        return new BlockedEventDescriptor(event.sequence(), event.loopIndex(), event.loopName(), event.startedAt(),
                Millis.of(event.duration()), event.isOngoing(), Millis.of(event.threshold()), event.culprit(),
                event.fiberId(), event.fiberName(), frames(event.stack()));
    }

    private static List<String> frames(List<StackTraceElement> stack) {
        if (stack.size() <= MAX_FRAMES) {
            return stack.stream().map(StackTraceElement::toString).toList();
        }
        List<String> frames = new ArrayList<>(MAX_FRAMES + 1);
        stack.subList(0, MAX_FRAMES).forEach(frame -> frames.add(frame.toString()));
        frames.add("... " + (stack.size() - MAX_FRAMES) + " more");
        return frames;
    }
}
