package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** FiberRunner times one fiber wake-up in 64 into its loop's schedule-delay recorder. */
@Timeout(60)
class ScheduleDelaySamplingTest {

    @Test
    void a_small_sample_of_wake_ups_is_timed() {
        int fibers = 10_000;
        int yields = 4;
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop loop = group.loop(0);
            List<Fiber<Void>> started = new ArrayList<>(fibers);
            for (int i = 0; i < fibers; i++) {
                started.add(Fiber.builder().loop(loop).start(() -> {
                    for (int y = 0; y < yields; y++) {
                        Fiber.yieldNow();
                    }
                }));
            }
            started.forEach(Fiber::join);

            // Each fiber wakes at its start and after each yield.
            long wakeUps = (long) fibers * (1 + yields);
            LatencyRecorder.Snapshot delay = loop.stats().scheduleDelay().snapshot();
            // Expected: wakeUps / 64 (about 780); 1-in-64 can give at most one sample per fiber here (5 < 64).
            assertThat(delay.count()).isBetween(1L, wakeUps / 8);
            assertThat(delay.recentCount()).isEqualTo((int) Math.min(delay.count(), 256));
            assertThat(delay.p50Nanos()).isLessThanOrEqualTo(delay.p99Nanos());
            assertThat(delay.p99Nanos()).isLessThanOrEqualTo(delay.recentMaxNanos());
            assertThat(delay.recentMaxNanos()).isLessThanOrEqualTo(delay.maxNanos());
            // Only loop 0 ran fibers.
            assertThat(group.loop(1).stats().scheduleDelay().snapshot().count()).isZero();
        }
    }

    @Test
    void fibers_of_the_jdk_scheduler_are_not_sampled() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.JDK)) {
            EventLoop loop = group.loop(0);
            List<Fiber<Void>> started = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                started.add(Fiber.builder().loop(loop).start(() -> {
                    for (int y = 0; y < 4; y++) {
                        Fiber.yieldNow();
                    }
                }));
            }
            started.forEach(Fiber::join);

            assertThat(loop.stats().scheduleDelay().snapshot().count()).isZero();
        }
    }
}
