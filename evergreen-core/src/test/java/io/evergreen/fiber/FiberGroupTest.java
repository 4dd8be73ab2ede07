package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import io.evergreen.testing.Waiting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Structured concurrency with {@link FiberGroup}: join waits for every child, the first failure cancels the
 * siblings and is rethrown, a deadline cancels what is still running, close cancels stragglers, and children
 * live on the opener's loop as its children.
 */
class FiberGroupTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofMinutes(1);

    /** Runs the body in a fiber on the loop and returns its result. */
    private static <T> T inFiber(EventLoop loop, Callable<T> body) {
        return Fiber.builder().loop(loop).name("opener").start(body).join(WAIT);
    }

    private static String failWithBoom() {
        throw new IllegalStateException("boom");
    }

    // ---------------------------------------------------------------- join

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_waits_for_every_child_and_their_results_are_available(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<String> results = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    Fiber<String> a = scope.spawn(() -> {
                        Fiber.sleep(Duration.ofMillis(30));
                        return "a";
                    });
                    Fiber<String> b = scope.spawn(() -> {
                        Fiber.sleep(Duration.ofMillis(10));
                        return "b";
                    });
                    Fiber<Void> c = scope.spawn(() -> Fiber.sleep(Duration.ofMillis(20)));
                    scope.join();
                    assertThat(c.state()).isEqualTo(FiberState.DONE);
                    return List.of(a.result(), b.result());
                }
            });
            assertThat(results).containsExactly("a", "b");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_without_children_returns_at_once(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Fiber<?>> children = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    scope.join();
                    return scope.children();
                }
            });
            assertThat(children).isEmpty();
        }
    }

    // ---------------------------------------------------------------- failure

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_first_failure_cancels_the_siblings(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<FiberState> siblingStates = inFiber(group.loop(0), () -> {
                Event never = new Event();
                try (FiberGroup scope = FiberGroup.open()) {
                    Fiber<Void> onEvent = scope.spawn(() -> never.await());
                    Fiber<Void> inFiberSleep = scope.spawn(() -> Fiber.sleep(LONG));
                    Fiber<?> inThreadSleep = scope.spawn(() -> {
                        Thread.sleep(LONG);
                        return null;
                    });
                    scope.spawn(() -> {
                        Fiber.yieldNow();
                        return failWithBoom();
                    });
                    catchThrowable(scope::join);
                    return List.of(onEvent.state(), inFiberSleep.state(), inThreadSleep.state());
                }
            });
            assertThat(siblingStates).containsOnly(FiberState.CANCELLED);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_throws_fiber_failed_exception_caused_by_the_original_exception(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Throwable fromJoin = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    scope.spawn(() -> Fiber.sleep(LONG));
                    scope.spawn(() -> {
                        try {
                            return failWithBoom();
                        } catch (IllegalStateException e) {
                            thrown.set(e);
                            throw e;
                        }
                    });
                    return catchThrowable(scope::join);
                }
            });
            assertThat(fromJoin).isInstanceOf(FiberFailedException.class);
            assertThat(fromJoin.getCause()).isSameAs(thrown.get()).hasMessage("boom");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_rethrown_failure_keeps_the_stack_of_the_method_that_threw_it(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable fromJoin = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    scope.spawn(() -> failWithBoom());
                    return catchThrowable(scope::join);
                }
            });
            assertThat(fromJoin.getCause().getStackTrace())
                    .anySatisfy(frame -> assertThat(frame.getMethodName()).isEqualTo("failWithBoom"));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_throws_a_failure_only_after_the_cancelled_siblings_have_ended(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            AtomicBoolean cleanedUp = new AtomicBoolean();
            Fiber<?>[] sibling = new Fiber<?>[1];
            Boolean siblingEndedBeforeJoinThrew = inFiber(group.loop(0), () -> {
                Event siblingWaiting = new Event();
                try (FiberGroup scope = FiberGroup.open()) {
                    sibling[0] = scope.spawn(() -> {
                        try {
                            siblingWaiting.set();
                            Fiber.sleep(LONG);
                        } finally {
                            // Cancellation is delivered once: blocking cleanup runs normally.
                            Fiber.sleep(Duration.ofMillis(50));
                            cleanedUp.set(true);
                        }
                    });
                    scope.spawn(() -> {
                        siblingWaiting.await();
                        return failWithBoom();
                    });
                    assertThatThrownBy(scope::join).isInstanceOf(FiberFailedException.class);
                    return sibling[0].isDone();
                }
            });
            assertThat(siblingEndedBeforeJoinThrew).isTrue();
            assertThat(cleanedUp).isTrue();
        }
    }

    // ---------------------------------------------------------------- deadline

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void join_throws_fiber_timeout_exception_when_the_deadline_passes(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Throwable fromJoin = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open(Duration.ofMillis(100))) {
                    scope.spawn(() -> Fiber.sleep(LONG));
                    return catchThrowable(scope::join);
                }
            });
            assertThat(fromJoin).isInstanceOf(FiberTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void children_still_running_at_the_deadline_are_cancelled_and_the_others_keep_their_results(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> outcome = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open(Duration.ofMillis(100))) {
                    Fiber<String> quick = scope.spawn(() -> "quick");
                    Fiber<Void> slow = scope.spawn(() -> Fiber.sleep(LONG));
                    catchThrowable(scope::join);
                    return List.of(quick.state(), quick.result(), slow.state());
                }
            });
            assertThat(outcome).containsExactly(FiberState.DONE, "quick", FiberState.CANCELLED);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void the_deadline_cancels_children_while_the_opener_waits_for_one_of_them(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Object> outcome = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open(Duration.ofMillis(100))) {
                    Fiber<Void> slow = scope.spawn(() -> Fiber.sleep(LONG));
                    Throwable fromChildJoin = catchThrowable(() -> slow.join(Duration.ofSeconds(20)));
                    return List.of(fromChildJoin, slow.state(), catchThrowable(scope::join));
                }
            });
            assertThat(outcome.get(0)).isInstanceOf(FiberCancelledException.class);
            assertThat(outcome.get(1)).isEqualTo(FiberState.CANCELLED);
            assertThat(outcome.get(2)).isInstanceOf(FiberTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void children_that_end_before_the_deadline_join_normally(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String result = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open(Duration.ofSeconds(20))) {
                    Fiber<String> child = scope.spawn(() -> {
                        Fiber.sleep(Duration.ofMillis(20));
                        return "in time";
                    });
                    scope.join();
                    return child.result();
                }
            });
            assertThat(result).isEqualTo("in time");
        }
    }

    @Test
    void a_negative_deadline_is_rejected() {
        assertThatThrownBy(() -> FiberGroup.open(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- close

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_without_join_cancels_the_children_still_running(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<FiberState> states = inFiber(group.loop(0), () -> {
                Event never = new Event();
                Fiber<Void> onEvent;
                Fiber<Void> sleeping;
                try (FiberGroup scope = FiberGroup.open()) {
                    onEvent = scope.spawn(() -> never.await());
                    sleeping = scope.spawn(() -> Fiber.sleep(LONG));
                    Fiber.yieldNow();
                }
                return List.of(onEvent.state(), sleeping.state());
            });
            assertThat(states).containsOnly(FiberState.CANCELLED);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_waits_until_the_cancelled_children_have_ended(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            AtomicBoolean cleanedUp = new AtomicBoolean();
            Boolean cleanedUpWhenClosed = inFiber(group.loop(0), () -> {
                Event childWaiting = new Event();
                try (FiberGroup scope = FiberGroup.open()) {
                    scope.spawn(() -> {
                        try {
                            childWaiting.set();
                            Fiber.sleep(LONG);
                        } finally {
                            Fiber.sleep(Duration.ofMillis(50));
                            cleanedUp.set(true);
                        }
                    });
                    childWaiting.await();
                }
                return cleanedUp.get();
            });
            assertThat(cleanedUpWhenClosed).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void cancelling_the_opener_while_it_joins_leaves_no_child_running(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            AtomicReference<Fiber<?>> child = new AtomicReference<>();
            Event joining = new Event();
            Fiber<Void> opener = Fiber.builder().loop(group.loop(0)).start(() -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    child.set(scope.spawn(() -> Fiber.sleep(LONG)));
                    joining.set();
                    scope.join();
                }
            });
            assertThat(joining.await(WAIT)).isTrue();
            opener.cancel();
            assertThatThrownBy(() -> opener.join(WAIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(child.get().state()).isEqualTo(FiberState.CANCELLED);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void spawning_after_close_throws_illegal_state_exception(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Throwable> thrown = inFiber(group.loop(0), () -> {
                FiberGroup scope = FiberGroup.open();
                scope.close();
                return List.of(catchThrowable(() -> scope.spawn(() -> "callable")),
                        catchThrowable(() -> scope.spawn(() -> { })));
            });
            assertThat(thrown).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class));
        }
    }

    // ---------------------------------------------------------------- where children live

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void children_run_on_the_openers_loop(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            EventLoop openerLoop = group.loop(1);
            List<EventLoop> loops = inFiber(openerLoop, () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    Fiber<EventLoop> first = scope.spawn(() -> Fiber.current().loop());
                    Fiber<EventLoop> second = scope.spawn(() -> EventLoop.current());
                    scope.join();
                    return List.of(first.loop(), first.result(), second.loop(), second.result());
                }
            });
            assertThat(loops).containsOnly(openerLoop);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void children_have_the_opening_fiber_as_parent(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Fiber<?>> parents = inFiber(group.loop(0), () -> {
                try (FiberGroup scope = FiberGroup.open()) {
                    Fiber<Fiber<?>> child = scope.spawn(() -> Fiber.current().parent());
                    scope.join();
                    return List.of(Fiber.current(), child.parent(), child.result());
                }
            });
            assertThat(parents.get(1)).isSameAs(parents.get(0));
            assertThat(parents.get(2)).isSameAs(parents.get(0));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void children_see_the_openers_inheritable_fiber_locals(SchedulerMode mode) {
        FiberLocal<String> traceId = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String inChild = inFiber(group.loop(0), () -> {
                traceId.set("trace-1");
                try (FiberGroup scope = FiberGroup.open()) {
                    Fiber<String> child = scope.spawn(() -> traceId.get());
                    scope.join();
                    return child.result();
                }
            });
            assertThat(inChild).isEqualTo("trace-1");
        }
    }

    @Test
    void a_group_opened_on_a_platform_thread_runs_its_children_on_the_default_group() {
        // The default group is the library's process-wide one (daemon loops); it is not ours to close.
        try (FiberGroup scope = FiberGroup.open()) {
            Fiber<String> a = scope.spawn(() -> {
                Fiber.sleep(Duration.ofMillis(20));
                return "a";
            });
            Fiber<EventLoop> b = scope.spawn(() -> Fiber.current().loop());
            scope.join();
            assertThat(a.result()).isEqualTo("a");
            assertThat(Fiber.defaultGroup().loops()).contains(a.loop(), b.result());
            assertThat(a.parent()).isNull();
        }
    }

    @Test
    void a_group_opened_on_a_platform_thread_rethrows_the_first_failure() {
        try (FiberGroup scope = FiberGroup.open()) {
            Fiber<Void> sibling = scope.spawn(() -> Fiber.sleep(LONG));
            scope.spawn(() -> failWithBoom());
            assertThatThrownBy(scope::join).isInstanceOf(FiberFailedException.class).cause().hasMessage("boom");
            assertThat(sibling.state()).isEqualTo(FiberState.CANCELLED);
        }
    }

    // ---------------------------------------------------------------- the loop thread never waits for a group

    /**
     * The deadline fires on the loop; the group's lock may be held by a fiber (one spawning a child, say) that waits
     * unmounted, and the loop thread must not wait for it: the cancellation runs in a fiber of its own.
     */
    @Test
    void a_deadline_passing_while_the_group_is_locked_elsewhere_leaves_the_loop_running() throws Exception {
        try (EventLoopGroup loops = EventLoopGroup.create(1)) {
            EventLoop loop = loops.loop(0);
            Duration deadline = Duration.ofSeconds(1);
            AtomicReference<FiberGroup> opened = new AtomicReference<>();
            long[] openedAt = new long[1];
            Event release = new Event();
            Fiber<Void> opener = Fiber.builder().loop(loop).name("opener").start(() -> {
                openedAt[0] = System.nanoTime();
                try (FiberGroup group = FiberGroup.open(deadline)) {
                    Fiber<Void> child = group.spawn(() -> release.await());
                    opened.set(group);
                    assertThatThrownBy(group::join).isInstanceOf(FiberTimeoutException.class);
                    assertThat(child.state()).isEqualTo(FiberState.CANCELLED);
                }
            });
            Waiting.await().until(() -> opened.get() != null);
            FiberGroup group = opened.get();
            CountDownLatch loopRan = new CountDownLatch(1);
            synchronized (group) {
                // Past the deadline, the loop's next iteration runs the deadline's timer before this callback.
                Waiting.await().until(() -> System.nanoTime() - openedAt[0] > deadline.toNanos() + 200_000_000L);
                loop.execute(loopRan::countDown);

                assertThat(loopRan.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            }
            opener.join(WAIT);
            assertThat(opener.state()).isEqualTo(FiberState.DONE);
        }
    }
}
