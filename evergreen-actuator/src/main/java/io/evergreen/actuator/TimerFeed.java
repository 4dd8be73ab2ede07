package io.evergreen.actuator;

import io.evergreen.loop.LoopHandOff;
import io.micrometer.core.instrument.Timer;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Takes a loop's latency samples on the thread that records them, a loop thread as a rule, and records them into a
 * Micrometer timer later, on the thread that calls {@link #drain()}.
 * <p>
 * A loop thread must never wait for a lock that a fiber may hold ({@code io.evergreen.loop.LoopSafeLock}), and a
 * timer takes monitors: its percentile histogram and its maximum rotate under one every couple of minutes, and a
 * scrape takes the same ones, in a request's fiber when the application serves HTTP on fibers. A scrape fiber
 * that met a contended monitor could be handed it while unmounted, and a loop thread recording the sample that
 * rotates the histogram would then wait for that fiber for good. So the loop only queues the sample, without a
 * lock. Should nothing drain the queue, it holds at most {@value #CAPACITY} samples and refuses later ones rather than
 * grow without bound; the next drain logs a warning with the count of refused samples.
 */
final class TimerFeed implements LongConsumer {

    static final int CAPACITY = 1 << 16;

    private static final System.Logger LOG = System.getLogger(TimerFeed.class.getName());

    private final Timer timer;
    private final LoopHandOff<Long> pending = new LoopHandOff<>(CAPACITY);

    TimerFeed(Timer timer) {
        this.timer = Objects.requireNonNull(timer);
    }

    /** Queues a sample, in nanoseconds. Never waits. */
    @Override
    public void accept(long nanos) {
        pending.offer(nanos);
    }

    /** Records the queued samples into the timer, on the calling thread, and says how many were refused since. */
    void drain() {
        for (Long nanos; (nanos = pending.poll()) != null; ) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
        long refused = pending.takeRefused();
        if (refused > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} samples of {1} were not recorded: nothing drained them in time",
                    refused, timer.getId().getName());
        }
    }
}
