package io.evergreen.fiber;

import io.evergreen.loop.Handle;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A virtual thread's timeout on its loop's timer heap, as the JDK sees it: it only ever cancels one (when the
 * thread is woken before its deadline), so the result methods say so instead of pretending to wait.
 */
final class LoopTimeout implements ScheduledFuture<Void> {

    private final Handle timer;
    private final long deadlineNanos;

    LoopTimeout(Handle timer, long deadlineNanos) {
        this.timer = timer;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return timer.cancel();
    }

    @Override
    public boolean isCancelled() {
        return timer.isCancelled();
    }

    @Override
    public boolean isDone() {
        return timer.isDone();
    }

    @Override
    public long getDelay(TimeUnit unit) {
        return unit.convert(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
        return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public Void get() {
        throw new UnsupportedOperationException("a loop timeout has no result to wait for");
    }

    @Override
    public Void get(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("a loop timeout has no result to wait for");
    }
}
