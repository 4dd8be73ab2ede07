package io.evergreen.loop;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * Latency samples of one loop (a probe's lag, fibers' schedule delay): it keeps the most recent
 * {@value #WINDOW} samples for percentiles read on demand, an all-time count and maximum, and hands every
 * sample to its listeners (a metrics timer, say).
 * <p>
 * Samples are few (a probe every 100 ms, one fiber wake-up in 64), so a lock costs nothing that matters and
 * keeps the window consistent for readers on other threads. The loop thread records, and fibers read: the lock is
 * a {@link LoopSafeLock}, which the loop thread never parks on.
 */
public final class LatencyRecorder {

    /** Samples kept for percentiles: at one probe per 100 ms, the last 25 seconds. */
    static final int WINDOW = 256;

    private final long[] window = new long[WINDOW];
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
    private final LoopSafeLock lock = new LoopSafeLock();
    private long count;
    private long maxNanos;

    /** Records one sample, in nanoseconds. Safe from any thread. */
    public void record(long nanos) {
        long sample = Math.max(0, nanos);
        lock.lock();
        try {
            window[(int) (count % WINDOW)] = sample;
            count++;
            maxNanos = Math.max(maxNanos, sample);
        } finally {
            lock.unlock();
        }
        for (LongConsumer listener : listeners) {
            listener.accept(sample);
        }
    }

    /**
     * Hands every later sample (nanoseconds) to the listener, on the recording thread: a loop thread as a rule, so
     * the listener must be short and must never wait for a lock (see {@link LoopSafeLock}); a metrics timer, whose
     * monitors a scrape may hold, is fed through a lock-free queue drained elsewhere.
     */
    public void addListener(LongConsumer listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(LongConsumer listener) {
        listeners.remove(listener);
    }

    /** The percentiles of the recent samples, and the all-time count and maximum. */
    public Snapshot snapshot() {
        long[] recent;
        long total;
        long max;
        lock.lock();
        try {
            total = count;
            max = maxNanos;
            recent = Arrays.copyOf(window, (int) Math.min(count, WINDOW));
        } finally {
            lock.unlock();
        }
        Arrays.sort(recent);
        return new Snapshot(total, recent.length, percentile(recent, 0.50), percentile(recent, 0.99),
                recent.length == 0 ? 0 : recent[recent.length - 1], max);
    }

    private static long percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.clamp(rank, 0, sorted.length - 1)];
    }

    /**
     * @param count samples recorded since the loop started
     * @param recentCount samples the percentiles are taken over (the most recent, at most {@value #WINDOW})
     * @param p50Nanos median of the recent samples
     * @param p99Nanos 99th percentile of the recent samples
     * @param recentMaxNanos largest of the recent samples
     * @param maxNanos largest sample since the loop started
     */
    public record Snapshot(long count, int recentCount, long p50Nanos, long p99Nanos, long recentMaxNanos,
            long maxNanos) {
    }
}
