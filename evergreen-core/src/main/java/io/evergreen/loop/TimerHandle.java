package io.evergreen.loop;

/**
 * A callback due at a point in time, kept in a {@link TimerQueue}. Knows its heap slot so that
 * cancelling on the loop thread removes it at once instead of leaving it in the heap until its deadline.
 */
final class TimerHandle extends OneShot implements Handle {

    final long deadlineNanos;
    final Runnable callback;
    private final EventLoop loop;
    /** Insertion order among timers due at the same instant; assigned on the loop thread. */
    long sequence;
    /** Heap slot, or -1 when not in the queue. Loop thread only. */
    int heapIndex = -1;

    TimerHandle(EventLoop loop, long deadlineNanos, Runnable callback) {
        this.loop = loop;
        this.deadlineNanos = deadlineNanos;
        this.callback = callback;
    }

    boolean isBefore(TimerHandle other) {
        if (deadlineNanos != other.deadlineNanos) {
            return deadlineNanos - other.deadlineNanos < 0;
        }
        return sequence < other.sequence;
    }

    @Override
    public boolean cancel() {
        if (!tryCancel()) {
            return false;
        }
        loop.forgetTimer(this);
        return true;
    }
}
