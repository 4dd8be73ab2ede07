package io.evergreen.sync;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class EventTest {

    @Test
    void a_new_event_is_not_set() {
        assertThat(new Event().isSet()).isFalse();
    }

    @Test
    void await_returns_at_once_when_the_event_is_set() {
        Event event = new Event();
        event.set();

        assertThat(event.isSet()).isTrue();
        assertThat(event.await(Duration.ZERO)).isTrue();
        event.await();
    }

    @Test
    void await_with_a_timeout_returns_false_on_a_platform_thread_when_the_event_is_not_set_in_time() {
        Event event = new Event();

        assertThat(event.await(Duration.ofMillis(20))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void await_with_a_timeout_returns_false_in_a_fiber_when_the_event_is_not_set_in_time(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Event event = new Event();

            boolean set = Fiber.builder().loop(group.loop(0)).start(() -> event.await(Duration.ofMillis(20))).join();

            assertThat(set).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void set_wakes_every_waiting_fiber_and_thread(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Event event = new Event();
            List<Fiber<Boolean>> fibers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                fibers.add(Fiber.builder().loop(group.loop(i % 2)).start(() -> event.await(LIMIT)));
            }
            List<Result<Boolean>> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                threads.add(awaitOnPlatformThread(event));
            }
            fibers.forEach(f -> awaitParked(f));

            event.set();

            assertThat(fibers).allSatisfy(f -> assertThat(f.join()).isTrue());
            assertThat(threads).allSatisfy(r -> assertThat(r.await(LIMIT)).isTrue());
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void waiting_parks_the_fiber_not_its_loop(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Event event = new Event();
            Fiber<Boolean> waiter = Fiber.builder().loop(loop).start(() -> event.await(LIMIT));
            awaitParked(waiter);

            Fiber.builder().loop(loop).start(event::set).join();

            assertThat(waiter.join()).isTrue();
        }
    }

    @Test
    void clear_makes_later_waiters_wait_for_the_next_set() throws Exception {
        Event event = new Event();
        event.set();

        event.clear();

        assertThat(event.isSet()).isFalse();
        assertThat(event.await(Duration.ofMillis(10))).isFalse();
        Result<Boolean> waiter = awaitOnPlatformThread(event);
        event.set();
        assertThat(waiter.await(LIMIT)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_fiber_woken_by_set_returns_true_even_if_the_event_is_cleared_right_after(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Event event = new Event();
            Fiber<Boolean> waiter = Fiber.builder().loop(loop).start(() -> event.await(LIMIT));
            awaitParked(waiter);

            // On the waiter's loop, so that (in LOOP mode) it cannot run between the two calls.
            Result<Void> done = new Result<>();
            loop.execute(() -> {
                event.set();
                event.clear();
                done.complete(null);
            });
            done.await(LIMIT);

            assertThat(waiter.join()).isTrue();
            assertThat(event.isSet()).isFalse();
        }
    }

    @Test
    void a_thread_woken_by_set_returns_true_even_if_the_event_is_cleared_right_after() throws Exception {
        Event event = new Event();
        Result<Thread> waiterThread = new Result<>();
        Result<Boolean> waiter = new Result<>();
        Thread.ofPlatform().start(() -> {
            waiterThread.complete(Thread.currentThread());
            waiter.complete(event.await(LIMIT));
        });
        Thread thread = waiterThread.await(LIMIT);
        await().until(() -> thread.getState() == Thread.State.TIMED_WAITING);

        event.set();
        event.clear();

        assertThat(waiter.await(LIMIT)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cancelled_fiber_stops_waiting_with_FiberCancelledException(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Event event = new Event();
            AtomicBoolean returned = new AtomicBoolean();
            Fiber<?> waiter = Fiber.builder().loop(group.loop(0)).start(() -> {
                event.await();
                returned.set(true);
            });
            awaitParked(waiter);

            waiter.cancel();

            assertThatThrownBy(waiter::join).isInstanceOf(FiberCancelledException.class);
            assertThat(waiter.failure()).isInstanceOf(FiberCancelledException.class);
            assertThat(waiter.state()).isEqualTo(FiberState.CANCELLED);
            assertThat(returned).isFalse();
        }
    }

    private static Result<Boolean> awaitOnPlatformThread(Event event) throws InterruptedException {
        Result<Boolean> result = new Result<>();
        Result<Thread> started = new Result<>();
        Thread.ofPlatform().start(() -> {
            started.complete(Thread.currentThread());
            result.complete(event.await(LIMIT));
        });
        Thread thread = started.await(LIMIT);
        await().until(() -> thread.getState() == Thread.State.TIMED_WAITING || result.isDone());
        return result;
    }
}
