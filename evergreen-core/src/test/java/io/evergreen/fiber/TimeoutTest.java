package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link Timeout}: a deadline on a body run in the current fiber (or thread), delivered at the body's next
 * blocking point, evergreen's or the JDK's; nested timeouts each report their own expiry.
 */
class TimeoutTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofMinutes(1);
    private static final Duration SHORT = Duration.ofMillis(50);

    /** Runs the body in a fiber on the loop and returns its result. */
    private static <T> T inFiber(EventLoop loop, Callable<T> body) {
        return Fiber.builder().loop(loop).start(body).join(WAIT);
    }

    /** Sleeps in the calling fiber and returns how long it took, in nanoseconds. */
    private static long timedFiberSleep(Duration duration) {
        long start = System.nanoTime();
        Fiber.sleep(duration);
        return System.nanoTime() - start;
    }

    // ---------------------------------------------------------------- in time

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_that_finishes_in_time_returns_its_value(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String value = inFiber(group.loop(0), () -> Timeout.of(Duration.ofSeconds(20)).call(() -> {
                Fiber.sleep(Duration.ofMillis(10));
                return "in time";
            }));
            assertThat(value).isEqualTo("in time");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_that_finishes_in_time_leaves_no_pending_interrupt(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> after = inFiber(group.loop(0), () -> {
                Timeout.of(SHORT).call(() -> "quick");
                // Sleep well past the deadline: a timer left armed would cut this sleep short.
                long slept = timedFiberSleep(SHORT.multipliedBy(4));
                return List.of(slept, Thread.currentThread().isInterrupted());
            });
            assertThat((Long) after.get(0)).isGreaterThanOrEqualTo(SHORT.multipliedBy(4).toNanos());
            assertThat(after.get(1)).isEqualTo(false);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_that_computes_past_its_deadline_without_blocking_returns_normally(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> after = inFiber(group.loop(0), () -> {
                String value = Timeout.of(Duration.ofMillis(10)).call(() -> {
                    long until = System.nanoTime() + Duration.ofMillis(60).toNanos();
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                    return "computed";
                });
                long slept = timedFiberSleep(SHORT);
                return List.of(value, slept, Thread.currentThread().isInterrupted());
            });
            assertThat(after.get(0)).isEqualTo("computed");
            assertThat((Long) after.get(1)).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(after.get(2)).isEqualTo(false);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_that_swallows_the_expiry_returns_normally_and_leaves_no_pending_interrupt(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> after = inFiber(group.loop(0), () -> {
                String value = Timeout.of(SHORT).call(() -> {
                    try {
                        Thread.sleep(LONG);
                        return "slept";
                    } catch (InterruptedException e) {
                        return "swallowed";
                    }
                });
                long slept = timedFiberSleep(SHORT);
                return List.of(value, slept, Thread.currentThread().isInterrupted());
            });
            assertThat(after.get(0)).isEqualTo("swallowed");
            assertThat((Long) after.get(1)).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(after.get(2)).isEqualTo(false);
        }
    }

    // ---------------------------------------------------------------- expiry

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_blocked_in_fiber_sleep_past_the_deadline_ends_with_fiber_timeout_exception(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable thrown = inFiber(group.loop(0),
                    () -> catchThrowable(() -> Timeout.of(SHORT).run(() -> Fiber.sleep(LONG))));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class).hasMessageContaining(SHORT.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_blocked_in_an_event_past_the_deadline_ends_with_fiber_timeout_exception(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Event never = new Event();
            Throwable thrown = inFiber(group.loop(0),
                    () -> catchThrowable(() -> Timeout.of(SHORT).run(() -> never.await())));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_timeout_does_not_expire_before_its_deadline(SchedulerMode mode) {
        Duration timeout = Duration.ofMillis(100);
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            long elapsed = inFiber(group.loop(0), () -> {
                long start = System.nanoTime();
                catchThrowable(() -> Timeout.of(timeout).run(() -> Fiber.sleep(LONG)));
                return System.nanoTime() - start;
            });
            assertThat(elapsed).isGreaterThanOrEqualTo(timeout.toNanos());
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_zero_timeout_expires_at_the_first_blocking_point(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable thrown = inFiber(group.loop(0),
                    () -> catchThrowable(() -> Timeout.of(Duration.ZERO).run(() -> Fiber.sleep(LONG))));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_blocked_in_thread_sleep_ends_with_fiber_timeout_exception_caused_by_interrupted_exception(
            SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable thrown = inFiber(group.loop(0), () -> catchThrowable(() -> Timeout.of(SHORT).call(() -> {
                Thread.sleep(LONG);
                return null;
            })));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class)
                    .hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_body_blocked_in_lock_interruptibly_ends_with_fiber_timeout_exception_caused_by_interrupted_exception(
            SchedulerMode mode) {
        ReentrantLock lock = new ReentrantLock();
        lock.lock();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable thrown = inFiber(group.loop(0), () -> catchThrowable(() -> Timeout.of(SHORT).call(() -> {
                lock.lockInterruptibly();
                lock.unlock();
                return null;
            })));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class)
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(lock.getQueueLength()).isZero();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- nesting

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_inner_expiry_is_reported_by_the_inner_timeout_and_the_outer_body_goes_on(SchedulerMode mode) {
        Duration inner = Duration.ofMillis(50);
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> seen = inFiber(group.loop(0), () -> Timeout.of(Duration.ofSeconds(20)).call(() -> {
                Throwable innerExpiry = catchThrowable(() -> Timeout.of(inner).run(() -> Fiber.sleep(LONG)));
                Fiber.sleep(Duration.ofMillis(20));
                return List.of(innerExpiry, "outer body finished");
            }));
            assertThat((Throwable) seen.get(0)).isInstanceOf(FiberTimeoutException.class)
                    .hasMessageContaining(inner.toString());
            assertThat(seen.get(1)).isEqualTo("outer body finished");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_outer_expiry_passes_through_an_inner_timeout_unchanged(SchedulerMode mode) {
        Duration outer = Duration.ofMillis(50);
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable thrown = inFiber(group.loop(0), () -> catchThrowable(() -> Timeout.of(outer).run(
                    () -> Timeout.of(Duration.ofSeconds(20)).run(() -> Fiber.sleep(LONG)))));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class)
                    .hasMessageContaining(outer.toString())
                    .hasNoCause();
        }
    }

    @Test // LOOP mode only: the body holds the loop so that both deadlines pass before either timer runs.
    void an_outer_expiry_is_not_lost_when_an_inner_timeout_expires_at_the_same_time() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            Throwable thrown = inFiber(group.loop(0), () -> catchThrowable(() -> Timeout.of(SHORT).run(() -> {
                try {
                    Timeout.of(SHORT).run(() -> {
                        long until = System.nanoTime() + SHORT.multipliedBy(2).toNanos();
                        while (System.nanoTime() - until < 0) {
                            Thread.onSpinWait();
                        }
                        Fiber.sleep(LONG);
                    });
                } catch (FiberTimeoutException innerExpiry) {
                    // The outer body handles the inner expiry and goes on: its own deadline has passed too.
                }
                Fiber.sleep(Duration.ofSeconds(10));
            })));
            assertThat(thrown).isInstanceOf(FiberTimeoutException.class);
        }
    }

    // ---------------------------------------------------------------- after an expiry

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_fiber_works_normally_after_an_expiry_at_an_evergreen_blocking_point(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> after = inFiber(group.loop(0), () -> {
                catchThrowable(() -> Timeout.of(SHORT).run(() -> Fiber.sleep(LONG)));
                return afterExpiry();
            });
            assertWorkedNormally(after);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_fiber_works_normally_after_an_expiry_at_a_jdk_blocking_point(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> after = inFiber(group.loop(0), () -> {
                catchThrowable(() -> Timeout.of(SHORT).call(() -> {
                    Thread.sleep(LONG);
                    return null;
                }));
                return afterExpiry();
            });
            assertWorkedNormally(after);
        }
    }

    /** Sleeps with evergreen and with the JDK, waits on an event, and reports what happened. */
    private static List<Object> afterExpiry() throws InterruptedException {
        long slept = timedFiberSleep(SHORT);
        Thread.sleep(10);
        Event set = new Event();
        Fiber.spawn(() -> set.set());
        boolean eventSeen = set.await(WAIT);
        String underAnotherTimeout = Timeout.of(Duration.ofSeconds(20)).call(() -> "again");
        return List.of(slept, eventSeen, underAnotherTimeout, Thread.currentThread().isInterrupted());
    }

    private static void assertWorkedNormally(List<Object> after) {
        assertThat((Long) after.get(0)).isGreaterThanOrEqualTo(SHORT.toNanos());
        assertThat(after.subList(1, 4)).containsExactly(true, "again", false);
    }

    // ---------------------------------------------------------------- outside fibers

    @Test
    void on_a_platform_thread_a_body_that_finishes_in_time_runs_once_and_returns() {
        int[] runs = new int[1];
        Timeout.of(SHORT).run(() -> runs[0]++);
        assertThat(runs[0]).isEqualTo(1);
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void on_a_platform_thread_a_body_blocked_past_the_deadline_ends_with_fiber_timeout_exception() {
        Event never = new Event();
        Throwable thrown = catchThrowable(() -> Timeout.of(SHORT).run(() -> never.await()));
        boolean interruptLeft = Thread.interrupted();
        assertThat(thrown).isInstanceOf(FiberTimeoutException.class);
        assertThat(interruptLeft).isFalse();
    }

    @Test
    void on_a_platform_thread_a_body_in_thread_sleep_ends_with_fiber_timeout_exception_caused_by_interrupted_exception() {
        Throwable thrown = catchThrowable(() -> Timeout.of(SHORT).call(() -> {
            Thread.sleep(LONG);
            return null;
        }));
        boolean interruptLeft = Thread.interrupted();
        assertThat(thrown).isInstanceOf(FiberTimeoutException.class).hasCauseInstanceOf(InterruptedException.class);
        assertThat(interruptLeft).isFalse();
    }

    @Test
    void on_a_platform_thread_a_body_in_fiber_sleep_ends_with_fiber_timeout_exception() {
        Throwable thrown = catchThrowable(() -> Timeout.of(SHORT).run(() -> Fiber.sleep(LONG)));
        boolean interruptLeft = Thread.interrupted();
        assertThat(thrown).isInstanceOf(FiberTimeoutException.class);
        assertThat(interruptLeft).isFalse();
    }

    // ---------------------------------------------------------------- arguments

    @Test
    void a_negative_duration_is_rejected() {
        assertThatThrownBy(() -> Timeout.of(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
