package io.evergreen.monitor;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LoopLatencyProbeTest {

    private static final Duration INTERVAL = Duration.ofMillis(10);
    private static final long HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long LAG_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

    @Test
    void the_interval_must_be_positive() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            assertThatThrownBy(() -> LoopLatencyProbe.start(group, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> LoopLatencyProbe.start(group, Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(group.loop(0).stats().latency().snapshot().count()).isZero();
        }
    }

    @Test
    void every_loop_is_probed_at_the_interval() {
        try (EventLoopGroup group = EventLoopGroup.create(2);
                LoopLatencyProbe probe = LoopLatencyProbe.start(group, INTERVAL)) {
            assertThat(probe.interval()).isEqualTo(INTERVAL);

            await().until(() -> latency(group.loop(0)).count() >= 5 && latency(group.loop(1)).count() >= 5);

            for (EventLoop loop : group.loops()) {
                LatencyRecorder.Snapshot s = latency(loop);
                assertThat(s.p50Nanos()).isLessThanOrEqualTo(s.p99Nanos());
                assertThat(s.p99Nanos()).isLessThanOrEqualTo(s.recentMaxNanos());
                assertThat(s.recentMaxNanos()).isLessThanOrEqualTo(s.maxNanos());
                // Nothing else runs on these loops: no schedule-delay samples, no watchdog involved.
                assertThat(loop.stats().scheduleDelay().snapshot().count()).isZero();
            }
        }
    }

    @Test
    void a_held_loop_records_the_hold_as_lag_and_the_other_loop_does_not() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
                LoopLatencyProbe probe = LoopLatencyProbe.start(group, INTERVAL)) {
            EventLoop held = group.loop(0);
            EventLoop free = group.loop(1);
            await().until(() -> latency(held).count() >= 2 && latency(free).count() >= 2);

            long freeBefore;
            try (LoopBlocker blocker = LoopBlocker.block(held)) {
                long heldSince = System.nanoTime();
                freeBefore = latency(free).count();
                // Hold the loop for at least 200 ms, and until the other loop has been probed a few times.
                await().until(() -> System.nanoTime() - heldSince >= HOLD_NANOS
                        && latency(free).count() >= freeBefore + 5);
            }

            await().until(() -> latency(held).maxNanos() >= LAG_FLOOR_NANOS);
            // The free loop went on being probed while the other was held, and promptly for most probes:
            // its median lag is nowhere near the hold (a loose bound, so as not to claim anything about speed).
            LatencyRecorder.Snapshot freeLatency = latency(free);
            assertThat(freeLatency.count()).isGreaterThanOrEqualTo(freeBefore + 5);
            assertThat(freeLatency.p50Nanos()).isLessThan(LAG_FLOOR_NANOS);
        }
    }

    @Test
    void the_busy_ratio_of_a_loop_kept_busy_rises_above_one_half() {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop busy = group.loop(0);
            AtomicBoolean stop = new AtomicBoolean();
            busy.execute(new Runnable() {
                @Override
                public void run() {
                    // A chain of 2 ms callbacks: the loop always has work and never waits in its poll.
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                    if (!stop.get()) {
                        busy.execute(this);
                    }
                }
            });
            try (LoopLatencyProbe probe = LoopLatencyProbe.start(group, INTERVAL)) {
                assertThat(probe.busyRatio(0)).isBetween(0.0, 1.0);

                await().until(() -> probe.busyRatio(0) > 0.5);

                assertThat(probe.busyRatio(0)).isBetween(0.0, 1.0);
                assertThat(probe.busyRatio(1)).isBetween(0.0, 1.0);
            } finally {
                stop.set(true);
            }
        }
    }

    @Test
    void close_stops_the_probes() {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            LoopLatencyProbe probe = LoopLatencyProbe.start(group, INTERVAL);
            await().until(() -> latency(group.loop(0)).count() >= 3 && latency(group.loop(1)).count() >= 3);

            probe.close();
            long count0 = latency(group.loop(0)).count();
            long count1 = latency(group.loop(1)).count();

            // A probe running as close() cancels may schedule one more, which records once and stops; after
            // that, twenty intervals go by without a sample.
            await().during(Duration.ofMillis(200)).until(() -> latency(group.loop(0)).count() <= count0 + 1
                    && latency(group.loop(1)).count() <= count1 + 1);
            assertThat(group.loop(0).stats().timerQueueDepth()).isZero();
            assertThat(group.loop(1).stats().timerQueueDepth()).isZero();
            probe.close(); // twice is harmless
        }
    }

    @Test
    void the_probe_stops_by_itself_when_its_group_closes() {
        EventLoopGroup group = EventLoopGroup.create(2);
        LoopLatencyProbe probe = LoopLatencyProbe.start(group, INTERVAL);
        try {
            await().until(() -> latency(group.loop(0)).count() >= 3 && latency(group.loop(1)).count() >= 3);
        } finally {
            assertThatCode(group::close).doesNotThrowAnyException();
        }

        assertThat(group.isTerminated()).isTrue();
        for (EventLoop loop : group.loops()) {
            assertThat(loop.thread().isAlive()).isFalse();
            assertThat(loop.stats().callbackFailures()).isZero();
        }
        long count0 = latency(group.loop(0)).count();
        assertThatCode(probe::close).doesNotThrowAnyException();
        assertThat(latency(group.loop(0)).count()).isEqualTo(count0);
    }

    private static LatencyRecorder.Snapshot latency(EventLoop loop) {
        return loop.stats().latency().snapshot();
    }
}
