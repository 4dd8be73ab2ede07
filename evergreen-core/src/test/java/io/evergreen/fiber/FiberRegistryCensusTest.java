package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class FiberRegistryCensusTest {

    @Test
    void a_loop_without_fibers_has_an_empty_census() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            FiberCensus census = FiberRegistry.of(group.loop(0)).census();

            assertThat(census).isEqualTo(FiberCensus.EMPTY);
            assertThat(census.total()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void parked_fibers_are_counted_as_parked_until_they_end(SchedulerMode mode) {
        int count = 1_000;
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            EventLoop loop = group.loop(0);
            FiberRegistry registry = FiberRegistry.of(loop);
            Event release = new Event();
            List<Fiber<Void>> fibers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                fibers.add(Fiber.builder().loop(loop).start(() -> release.await()));
            }

            await().until(() -> registry.census().parked() == count);
            FiberCensus census = registry.census();
            assertThat(census).isEqualTo(new FiberCensus(0, 0, count));
            assertThat(census.total()).isEqualTo(registry.liveCount()).isEqualTo(count);
            assertThat(FiberRegistry.of(group.loop(1)).census()).isEqualTo(FiberCensus.EMPTY);

            release.set();
            fibers.forEach(Fiber::join);

            assertThat(registry.census()).isEqualTo(FiberCensus.EMPTY);
            assertThat(registry.liveCount()).isZero();
        }
    }

    @Test
    void fibers_started_on_a_held_loop_are_runnable() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            FiberRegistry registry = FiberRegistry.of(loop);
            List<Fiber<Void>> fibers = new ArrayList<>();
            try (LoopBlocker blocker = LoopBlocker.block(loop)) {
                for (int i = 0; i < 5; i++) {
                    fibers.add(Fiber.builder().loop(loop).start(() -> { }));
                }

                assertThat(registry.census()).isEqualTo(new FiberCensus(0, 5, 0));
            }
            fibers.forEach(Fiber::join);
            assertThat(registry.census()).isEqualTo(FiberCensus.EMPTY);
        }
    }

    @Test
    void a_fiber_taking_the_census_of_its_own_loop_counts_itself_running() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Event release = new Event();
            Fiber<Void> parked = Fiber.builder().loop(loop).start(() -> release.await());
            io.evergreen.testing.Waiting.awaitParked(parked);

            FiberCensus fromInside = Fiber.builder().loop(loop)
                    .start(() -> FiberRegistry.of(Fiber.current().loop()).census()).join();

            assertThat(fromInside).isEqualTo(new FiberCensus(1, 0, 1));
            release.set();
            parked.join();
        }
    }

    @Test
    void censuses_add_up() {
        FiberCensus a = new FiberCensus(1, 2, 3);
        FiberCensus b = new FiberCensus(10, 20, 30);

        assertThat(a.plus(b)).isEqualTo(new FiberCensus(11, 22, 33));
        assertThat(a.plus(FiberCensus.EMPTY)).isEqualTo(a);
        assertThat(a.plus(b).total()).isEqualTo(66);
    }
}
