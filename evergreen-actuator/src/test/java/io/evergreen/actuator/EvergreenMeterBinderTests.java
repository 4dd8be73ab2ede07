package io.evergreen.actuator;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class EvergreenMeterBinderTests {

    private final RecordingThreadsRegistry registry = new RecordingThreadsRegistry();
    private final EventLoopGroup group = EventLoopGroup.create(1);
    private final LoopWatchdog watchdog = LoopWatchdog.start(group, Duration.ofSeconds(1));
    private final LoopLatencyProbe probe = LoopLatencyProbe.start(group, Duration.ofSeconds(1));
    private final EvergreenMeterBinder binder = new EvergreenMeterBinder(group, watchdog, probe,
            new ScopedBeanCounts(new DefaultListableBeanFactory()));

    @AfterEach
    void closeAll() {
        binder.close();
        probe.close();
        watchdog.close();
        group.close();
    }

    /**
     * A timer takes monitors that a scrape in a fiber may hold (its histogram rotates under one), and a loop thread
     * must never wait for those: the loops' samples reach the timers on another thread.
     */
    @Test
    void latency_samples_recorded_on_a_loop_thread_reach_their_timer_on_another_thread() {
        EventLoop loop = group.loop(0);
        binder.bindTo(registry);
        Timer scheduleDelay = registry.get("evergreen.fiber.schedule.delay").tag("loop", "0").timer();

        loop.execute(() -> loop.stats().scheduleDelay().record(TimeUnit.MILLISECONDS.toNanos(3)));

        await().atMost(Duration.ofSeconds(20)).until(() -> scheduleDelay.count() == 1);
        assertThat(scheduleDelay.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
        assertThat(registry.recordingThreads)
                .containsExactly(EvergreenMeterBinder.DRAIN_THREAD_NAME)
                .doesNotContain(loop.thread().getName());
    }

    @Test
    void closing_the_binder_records_what_the_loops_queued() {
        binder.bindTo(registry);
        Timer scheduleDelay = registry.get("evergreen.fiber.schedule.delay").tag("loop", "0").timer();
        for (int i = 0; i < 1_000; i++) {
            group.loop(0).stats().scheduleDelay().record(1_000);
        }

        binder.close();

        assertThat(scheduleDelay.count()).isEqualTo(1_000);
    }

    /** A registry whose timers note the name of each thread that records into them. */
    private static final class RecordingThreadsRegistry extends SimpleMeterRegistry {

        /** Threads that recorded into the fibers' schedule-delay timers (the probe's may be drained by close()). */
        final List<String> recordingThreads = new CopyOnWriteArrayList<>();

        RecordingThreadsRegistry() {
            super(SimpleConfig.DEFAULT, Clock.SYSTEM);
        }

        @Override
        protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
            return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), false) {
                @Override
                protected void recordNonNegative(long amount, TimeUnit unit) {
                    if (id.getName().equals("evergreen.fiber.schedule.delay")) {
                        recordingThreads.add(Thread.currentThread().getName());
                    }
                    super.recordNonNegative(amount, unit);
                }
            };
        }
    }
}
