package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import static io.evergreen.testing.Waiting.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class YieldBehindWokenTest {

    @Test
    void the_woken_fiber_runs_at_once_and_the_waker_right_after_it_ahead_of_older_work() {
        assertThat(runWakeAndYield(true)).containsExactly("woken", "waker", "older");
    }

    @Test
    void a_plain_yield_puts_the_waker_behind_older_work() {
        assertThat(runWakeAndYield(false)).containsExactly("woken", "older", "waker");
    }

    @Test
    void nothing_happens_without_a_woken_fiber_or_outside_a_fiber_of_the_loop() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            EventLoop loop = group.loop(0);
            assertThat(loop.yieldBehindWoken()).isFalse();
            Fiber<Boolean> alone = Fiber.builder().loop(loop).start(loop::yieldBehindWoken);
            assertThat(alone.join(LIMIT)).isFalse();
            try (EventLoopGroup other = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
                Fiber<Boolean> elsewhere = Fiber.builder().loop(other.loop(0)).start(loop::yieldBehindWoken);
                assertThat(elsewhere.join(LIMIT)).isFalse();
            }
        }
    }

    /** A fiber starts older work, wakes a parked fiber, then yields behind it (or plainly); returns who ran when. */
    private static List<String> runWakeAndYield(boolean behindWoken) {
        List<String> order = new CopyOnWriteArrayList<>();
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            EventLoop loop = group.loop(0);
            Fiber<?> waker = Fiber.builder().loop(loop).start(() -> {
                Fiber<?> woken = Fiber.spawn(() -> {
                    LockSupport.park();
                    order.add("woken");
                });
                while (woken.state() != FiberState.PARKED) {
                    Fiber.yieldNow();
                }
                Fiber.spawn(() -> order.add("older")); // queued before the wake-up below
                LockSupport.unpark(woken.thread());
                if (behindWoken) {
                    assertThat(loop.yieldBehindWoken()).isTrue();
                } else {
                    Thread.yield();
                }
                order.add("waker");
            });
            waker.join(LIMIT);
            Fiber.builder().loop(loop).start(() -> { }).join(LIMIT); // the older fiber has run by then
        }
        return order;
    }
}
