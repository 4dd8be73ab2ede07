package io.evergreen.demo.reliability;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The worst loop lag while it watches: it listens to the samples the application's latency probe records on
 * every loop (how late a timer due every {@code evergreen.latency-probe-interval} ran). A loop held for a
 * while shows that hold in the first sample it takes once free, so {@link #awaitASampleFromEveryLoop()} after
 * the load makes sure no hold goes unmeasured.
 */
final class LoopLagWatch implements AutoCloseable {

    private final List<Watched> watched;

    private LoopLagWatch(EventLoopGroup group) {
        this.watched = group.loops().stream().map(Watched::new).toList();
    }

    static LoopLagWatch start(EventLoopGroup group) {
        return new LoopLagWatch(group);
    }

    /** Waits until every loop has recorded one more sample than it had at this call. */
    void awaitASampleFromEveryLoop() {
        List<Long> seen = watched.stream().map(w -> w.samples.get()).toList();
        AbstractReliabilityTests.await().alias("a lag sample from every loop").until(() -> {
            for (int i = 0; i < watched.size(); i++) {
                if (watched.get(i).samples.get() <= seen.get(i)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The largest lag of any loop recorded since the start. */
    Duration maxLag() {
        return Duration.ofNanos(watched.stream().mapToLong(w -> w.maxNanos.get()).max().orElse(0));
    }

    @Override
    public void close() {
        watched.forEach(Watched::stop);
    }

    private static final class Watched implements LongConsumer {

        private final LatencyRecorder latency;
        final AtomicLong samples = new AtomicLong();
        final AtomicLong maxNanos = new AtomicLong();

        Watched(EventLoop loop) {
            this.latency = loop.stats().latency();
            latency.addListener(this);
        }

        @Override
        public void accept(long nanos) {
            maxNanos.accumulateAndGet(nanos, Math::max);
            samples.incrementAndGet();
        }

        void stop() {
            latency.removeListener(this);
        }
    }
}
