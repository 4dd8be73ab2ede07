package io.evergreen.monitor;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.Handle;
import io.evergreen.loop.LoopStats;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Measures each loop's lag: a timer on every loop of a group fires every {@code interval}, and how late it
 * runs is recorded in the loop's {@link LoopStats#latency()}. A loop that runs its callbacks promptly shows
 * a lag of about the poll's timer resolution (a millisecond); a loop held by one long callback or fiber shows
 * that hold. The probe also keeps each loop's busy ratio over the last second.
 * <p>
 * It runs on the loops themselves: no thread of its own, one timer per loop and interval. It stops by itself
 * when a loop stops.
 */
public final class LoopLatencyProbe implements AutoCloseable {

    private static final long BUSY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long intervalNanos;
    private final List<LoopProbe> probes;
    private volatile boolean closed;

    private LoopLatencyProbe(EventLoopGroup group, Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.probes = group.loops().stream().map(LoopProbe::new).toList();
    }

    /**
     * Starts probing every loop of the group.
     * @param interval time between two probes of a loop; positive
     */
    public static LoopLatencyProbe start(EventLoopGroup group, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("The probe interval must be positive: " + interval);
        }
        LoopLatencyProbe probe = new LoopLatencyProbe(group, interval);
        long first = System.nanoTime() + probe.intervalNanos;
        probe.probes.forEach(p -> p.scheduleAt(first));
        return probe;
    }

    public Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /**
     * The share of the last second (or so) that the loop spent running work rather than waiting in its I/O
     * poll, from 0 to 1; 0 until the probe has run for a second.
     */
    public double busyRatio(int loopIndex) {
        return probes.get(loopIndex).busyRatio;
    }

    /** Stops probing; the probes already scheduled are cancelled. */
    @Override
    public void close() {
        closed = true;
        for (LoopProbe probe : probes) {
            Handle next = probe.next;
            if (next != null) {
                next.cancel();
            }
        }
    }

    private final class LoopProbe implements Runnable {

        private final EventLoop loop;
        private volatile Handle next;
        private volatile double busyRatio;
        // Loop thread only, once started.
        private long deadline;
        private long windowStart;
        private long windowIdleNanos;

        LoopProbe(EventLoop loop) {
            this.loop = loop;
        }

        void scheduleAt(long deadlineNanos) {
            if (closed || loop.isStopping()) {
                return;
            }
            deadline = deadlineNanos;
            try {
                next = loop.callAt(deadlineNanos, this);
            } catch (RejectedExecutionException stopped) {
                // The loop has terminated: nothing left to measure.
            }
        }

        @Override
        public void run() {
            if (closed) {
                return; // scheduled just before close() cancelled the handle it saw
            }
            long now = System.nanoTime();
            LoopStats stats = loop.stats();
            stats.latency().record(now - deadline);
            updateBusyRatio(stats, now);
            scheduleAt(now + intervalNanos);
        }

        private void updateBusyRatio(LoopStats stats, long now) {
            if (windowStart == 0) {
                windowStart = now;
                windowIdleNanos = stats.idleNanos();
                return;
            }
            long elapsed = now - windowStart;
            if (elapsed >= BUSY_WINDOW_NANOS) {
                long idle = stats.idleNanos() - windowIdleNanos;
                busyRatio = Math.clamp(1.0 - (double) idle / elapsed, 0.0, 1.0);
                windowStart = now;
                windowIdleNanos = stats.idleNanos();
            }
        }
    }
}
