package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The life of a fiber: creation, start, results, failure, cancellation, exit callbacks. Every behaviour
 * here holds in both scheduler modes.
 */
class FiberTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static EventLoopGroup group(SchedulerMode mode) {
        return EventLoopGroup.create(2, mode);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_unstarted_fiber_does_not_run_until_started(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            AtomicBoolean ran = new AtomicBoolean();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).unstarted(() -> ran.set(true));
            // Let the loop run a full iteration: the fiber must still not have run.
            Fiber.builder().loop(group.loop(0)).start(() -> { }).join(WAIT);
            assertThat(ran).isFalse();
            assertThat(fiber.state()).isEqualTo(FiberState.NEW);
            assertThat(fiber.isAlive()).isFalse();
            fiber.start().join(WAIT);
            assertThat(ran).isTrue();
            assertThat(fiber.state()).isEqualTo(FiberState.DONE);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void starting_a_fiber_twice_is_an_error(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> { });
            assertThatThrownBy(fiber::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_returns_the_result_and_result_repeats_it(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<String> fiber = Fiber.builder().loop(group.loop(1)).name("answer").start(() -> "42");
            assertThat(fiber.join()).isEqualTo("42");
            assertThat(fiber.join(WAIT)).isEqualTo("42");
            assertThat(fiber.result()).isEqualTo("42");
            assertThat(fiber.name()).isEqualTo("answer");
            assertThat(fiber.thread().getName()).isEqualTo("answer");
            assertThat(fiber.loop()).isSameAs(group.loop(1));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void result_of_a_fiber_that_has_not_ended_is_an_error(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Event release = new Event();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> release.await());
            assertThatThrownBy(fiber::result).isInstanceOf(IllegalStateException.class).hasMessageContaining("has not ended");
            release.set();
            fiber.join(WAIT);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_with_a_timeout_throws_when_the_fiber_is_still_running(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Event release = new Event();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> release.await());
            assertThatThrownBy(() -> fiber.join(Duration.ofMillis(50)))
                    .isInstanceOf(FiberTimeoutException.class).hasMessageContaining("did not end within");
            release.set();
            fiber.join(WAIT);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_failure_is_rethrown_by_join_with_its_original_stack(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).name("doomed").start(FiberTest::failDeepInside);
            assertThatThrownBy(fiber::join)
                    .isInstanceOf(FiberFailedException.class)
                    .hasMessageContaining("doomed")
                    .cause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("bad input")
                    .satisfies(cause -> assertThat(cause.getStackTrace())
                            .anyMatch(frame -> frame.getMethodName().equals("failDeepInside")));
            assertThat(fiber.state()).isEqualTo(FiberState.FAILED);
            assertThat(fiber.failure()).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void failDeepInside() {
        throw new IllegalArgumentException("bad input");
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_failure_exception_holds_no_reference_back_to_the_fiber(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = group(mode)) {
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(FiberTest::failDeepInside);
            FiberFailedException failure = catchFailure(fiber);
            for (Throwable t = failure; t != null; t = t.getCause()) {
                for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                    for (Field field : c.getDeclaredFields()) {
                        assertThat(field.getType()).isNotEqualTo(Fiber.class);
                    }
                }
                assertThat(t.getSuppressed()).isEmpty();
            }
        }
    }

    private static FiberFailedException catchFailure(Fiber<?> fiber) {
        try {
            fiber.join();
        } catch (FiberFailedException e) {
            return e;
        }
        throw new AssertionError("expected the fiber to fail");
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cancelled_unstarted_fiber_never_runs(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            AtomicBoolean ran = new AtomicBoolean();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).unstarted(() -> ran.set(true));
            fiber.cancel();
            assertThat(fiber.state()).isEqualTo(FiberState.CANCELLED);
            assertThatThrownBy(fiber::join).isInstanceOf(FiberCancelledException.class);
            assertThatThrownBy(fiber::start).isInstanceOf(IllegalStateException.class);
            assertThat(ran).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void cancel_raises_fiber_cancelled_exception_at_the_next_evergreen_blocking_point(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            CountDownLatch sleeping = new CountDownLatch(1);
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                sleeping.countDown();
                try {
                    Fiber.sleep(Duration.ofHours(1));
                } catch (FiberCancelledException e) {
                    seen.set(e);
                    throw e;
                }
            });
            awaitParked(fiber, sleeping);
            fiber.cancel();
            assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(seen.get()).isInstanceOf(FiberCancelledException.class);
            assertThat(fiber.state()).isEqualTo(FiberState.CANCELLED);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void cancel_reaches_a_fiber_blocked_in_the_jdk_as_an_interruption(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            ReentrantLock lock = new ReentrantLock();
            lock.lock();
            try {
                AtomicReference<Throwable> seen = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                    started.countDown();
                    try {
                        lock.lockInterruptibly();
                    } catch (InterruptedException e) {
                        seen.set(e);
                        throw new IllegalStateException("gave up", e);
                    }
                });
                awaitParked(fiber, started);
                fiber.cancel();
                assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberCancelledException.class);
                assertThat(seen.get()).isInstanceOf(InterruptedException.class);
                assertThat(fiber.state()).isEqualTo(FiberState.CANCELLED);
            } finally {
                lock.unlock();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void cancellation_is_delivered_once_so_cleanup_can_block(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean cleanedUp = new AtomicBoolean();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                started.countDown();
                try {
                    Fiber.sleep(Duration.ofHours(1));
                } finally {
                    Fiber.sleep(Duration.ofMillis(1));
                    Fiber.yieldNow();
                    cleanedUp.set(true);
                }
            });
            awaitParked(fiber, started);
            fiber.cancel();
            assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(cleanedUp).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void cancel_does_nothing_to_an_ended_fiber(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<String> fiber = Fiber.builder().loop(group.loop(0)).start(() -> "done");
            fiber.join();
            fiber.cancel();
            assertThat(fiber.state()).isEqualTo(FiberState.DONE);
            assertThat(fiber.join()).isEqualTo("done");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cpu_bound_fiber_is_cancelled_at_yield_now(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            CountDownLatch started = new CountDownLatch(1);
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                started.countDown();
                while (true) {
                    Fiber.yieldNow();
                }
            });
            await().atMost(WAIT).until(() -> started.getCount() == 0);
            fiber.cancel();
            assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberCancelledException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void on_exit_runs_when_the_fiber_ends_and_at_once_when_it_has(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            List<String> exits = new CopyOnWriteArrayList<>();
            Event release = new Event();
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).name("f").start(() -> release.await());
            fiber.onExit(f -> exits.add("first:" + f.state()));
            fiber.onExit(f -> exits.add("second:" + f.state()));
            assertThat(exits).isEmpty();
            release.set();
            fiber.join(WAIT);
            await().atMost(WAIT).until(() -> exits.size() == 2);
            assertThat(exits).containsExactly("first:DONE", "second:DONE");
            fiber.onExit(f -> exits.add("late"));
            assertThat(exits).containsExactly("first:DONE", "second:DONE", "late");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_fiber_spawned_from_a_fiber_lands_on_the_parents_loop(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            for (EventLoop loop : group.loops()) {
                EventLoop childLoop = Fiber.builder().loop(loop).start(() -> Fiber.spawn(() -> Fiber.current().loop()).join()).join();
                assertThat(childLoop).isSameAs(loop);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void inside_a_fiber_the_current_thread_is_its_virtual_thread(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                assertThat(Thread.currentThread().isVirtual()).isTrue();
                assertThat(Thread.currentThread()).isSameAs(Fiber.current().thread());
                assertThat(Fiber.current().state()).isEqualTo(FiberState.RUNNING);
                assertThat(group.current()).isSameAs(group.loop(0));
                return Fiber.current();
            });
            assertThat(fiber.join()).isSameAs(fiber);
            assertThat(Fiber.current()).isNull();
            assertThat(fiber.id()).isEqualTo(fiber.thread().threadId());
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void sleep_parks_at_least_the_duration_and_a_plain_interrupt_does_not_cut_it_short(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            CountDownLatch started = new CountDownLatch(1);
            Fiber<Boolean> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                long start = System.nanoTime();
                started.countDown();
                Fiber.sleep(Duration.ofMillis(200));
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
                return Thread.currentThread().isInterrupted();
            });
            awaitParked(fiber, started);
            fiber.thread().interrupt();
            assertThat(fiber.join(WAIT)).as("interrupt status kept").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_parked_fiber_reports_parked_and_its_blocker(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Event release = new Event();
            CountDownLatch started = new CountDownLatch(1);
            Fiber<?> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                started.countDown();
                release.await();
            });
            awaitParked(fiber, started);
            assertThat(fiber.isAlive()).isTrue();
            assertThat(fiber.parkBlocker()).isSameAs(release);
            assertThat(fiber.stackTrace()).anyMatch(frame -> frame.getClassName().equals(Event.class.getName()));
            assertThat(fiber.ageNanos()).isPositive();
            release.set();
            fiber.join(WAIT);
            assertThat(fiber.isAlive()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void spawn_outside_fibers_uses_the_default_group(SchedulerMode mode) {
        Fiber<EventLoop> fiber = Fiber.spawn(() -> Fiber.current().loop());
        assertThat(fiber.join(WAIT).group()).isSameAs(Fiber.defaultGroup());
        assertThat(Fiber.defaultGroup().loop(0).thread().isDaemon()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void fibers_started_count_as_started_and_completed_by_outcome(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            EventLoop loop = group.loop(0);
            List<Fiber<?>> fibers = new ArrayList<>();
            fibers.add(Fiber.builder().loop(loop).start(() -> "ok"));
            fibers.add(Fiber.builder().loop(loop).start(FiberTest::failDeepInside));
            Fiber<?> cancelled = Fiber.builder().loop(loop).unstarted(() -> { });
            cancelled.cancel();
            for (Fiber<?> f : fibers) {
                await().atMost(WAIT).until(f::isDone);
            }
            await().atMost(WAIT).until(() -> loop.stats().fibersCompleted() == 3);
            assertThat(loop.stats().fibersStarted()).isEqualTo(2);
            assertThat(loop.stats().fibersSucceeded()).isEqualTo(1);
            assertThat(loop.stats().fibersFailed()).isEqualTo(1);
            assertThat(loop.stats().fibersCancelled()).isEqualTo(1);
            assertThat(group.liveFibers()).isZero();
        }
    }

    @org.junit.jupiter.api.Test
    void a_default_group_that_was_closed_is_passed_over_by_spawn() {
        EventLoopGroup configured = EventLoopGroup.create(1);
        Fiber.setDefaultGroup(configured);
        assertThat(Fiber.spawn(() -> Fiber.current().loop().group()).join(WAIT)).isSameAs(configured);
        configured.close();
        EventLoopGroup used = Fiber.spawn(() -> Fiber.current().loop().group()).join(WAIT);
        assertThat(used).isNotSameAs(configured);
        assertThat(used.isClosing()).isFalse();
    }

    /** Waits until the fiber signalled it started and then parked. */
    static void awaitParked(Fiber<?> fiber, CountDownLatch started) {
        await().atMost(WAIT).until(() -> started.getCount() == 0 && fiber.state() == FiberState.PARKED);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void renameChangesTheFibersAndItsThreadsNameUntilRenamedBack(SchedulerMode mode) {
        try (EventLoopGroup group = group(mode)) {
            Fiber<String> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                Fiber<?> self = Fiber.current();
                String defaultName = self.rename("GET /orders");
                String during = self.name() + "|" + Thread.currentThread().getName();
                String given = self.rename(defaultName);
                return defaultName + "|" + during + "|" + given + "|" + self.name();
            });
            assertThat(fiber.join(WAIT)).isEqualTo("null|GET /orders|GET /orders|GET /orders|fiber-" + fiber.id());
        }
    }
}
