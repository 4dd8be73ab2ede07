package io.evergreen.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One incident of a loop held by a single callback or fiber past the watchdog's threshold. It is created
 * while the loop is still blocked ({@link #isOngoing()}) and completed when the loop moves again.
 * <p>
 * It names the culprit by its fiber's id and name only, with the stack taken when the incident was
 * detected: nothing of the data the fiber works on.
 */
public final class BlockedLoopEvent {

    private final long sequence;
    private final int loopIndex;
    private final String loopName;
    private final Instant startedAt;
    private final long startNanos;
    private final Duration threshold;
    private final long fiberId;
    private final String fiberName;
    private final List<StackTraceElement> stack;
    private final String lockWaitedFor;
    private volatile long endNanos;

    BlockedLoopEvent(long sequence, int loopIndex, String loopName, Instant startedAt, long startNanos,
            Duration threshold, long fiberId, String fiberName, StackTraceElement[] stack, String lockWaitedFor) {
        this.sequence = sequence;
        this.loopIndex = loopIndex;
        this.loopName = loopName;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.threshold = threshold;
        this.fiberId = fiberId;
        this.fiberName = fiberName;
        this.stack = List.of(stack);
        this.lockWaitedFor = lockWaitedFor;
    }

    /** Numbers incidents of one watchdog from 1, in the order they were detected. */
    public long sequence() {
        return sequence;
    }

    public int loopIndex() {
        return loopIndex;
    }

    /** The loop's thread name, e.g. {@code evergreen-loop-1}. */
    public String loopName() {
        return loopName;
    }

    /** When the loop was last seen moving before the incident (within one watchdog tick). */
    public Instant startedAt() {
        return startedAt;
    }

    public Duration threshold() {
        return threshold;
    }

    /** Whether a fiber held the loop (rather than a plain callback). */
    public boolean blockedByFiber() {
        return fiberName != null;
    }

    /** The id of the fiber that held the loop, or -1 for a plain callback. */
    public long fiberId() {
        return fiberId;
    }

    /** The name of the fiber that held the loop, or null for a plain callback. */
    public String fiberName() {
        return fiberName;
    }

    /**
     * What the loop thread itself was waiting for when the incident was detected: a monitor, a lock or another park
     * blocker, as the JVM names it (e.g. {@code java.util.concurrent.locks.ReentrantLock$NonfairSync@1b6d3586}), or
     * null. A loop thread must never wait: should one of its own fibers be what it waits for, the loop never moves
     * again.
     */
    public String lockWaitedFor() {
        return lockWaitedFor;
    }

    /** "fiber NAME (id N)", "a callback", or "a callback waiting for LOCK". */
    public String culprit() {
        if (fiberName != null) {
            return "fiber " + fiberName + " (id " + fiberId + ")";
        }
        return lockWaitedFor == null ? "a callback" : "a callback waiting for " + lockWaitedFor;
    }

    /** The culprit's stack when the incident was detected: the fiber's, or the loop thread's for a callback. */
    public List<StackTraceElement> stack() {
        return stack;
    }

    public boolean isOngoing() {
        return endNanos == 0;
    }

    /** How long the loop was held: so far while ongoing, in total once over. */
    public Duration duration() {
        long end = endNanos;
        return Duration.ofNanos((end == 0 ? System.nanoTime() : end) - startNanos);
    }

    void end(long nanos) {
        endNanos = Math.max(nanos, startNanos + 1);
    }

    @Override
    public String toString() {
        return loopName + " blocked for " + duration().toMillis() + " ms by " + culprit() + ", limit "
                + threshold.toMillis() + " ms" + (isOngoing() ? " (ongoing)" : "");
    }
}
