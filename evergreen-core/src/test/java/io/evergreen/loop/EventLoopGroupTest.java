package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.fiber.FiberState;
import io.evergreen.sync.Channel;
import io.evergreen.sync.Event;
import io.evergreen.sync.Result;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class EventLoopGroupTest {

    // ---------------------------------------------------------------- shape

    @Test
    void create_makes_n_loops_whose_threads_are_named_after_their_index() {
        try (EventLoopGroup group = EventLoopGroup.create(3)) {
            assertThat(group.size()).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                EventLoop loop = group.loop(i);
                assertThat(loop.index()).isEqualTo(i);
                assertThat(loop.group()).isSameAs(group);
                assertThat(loop.thread().getName()).matches(".*loop-" + i);
                assertThat(loop.thread().isAlive()).isTrue();
            }
        }
    }

    @Test
    void loops_lists_every_loop_in_index_order_and_cannot_be_modified() {
        try (EventLoopGroup group = EventLoopGroup.create(3)) {
            List<EventLoop> loops = group.loops();

            assertThat(loops).containsExactly(group.loop(0), group.loop(1), group.loop(2));
            assertThatThrownBy(() -> loops.remove(0)).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void next_visits_every_loop_in_turn() {
        try (EventLoopGroup group = EventLoopGroup.create(3)) {
            List<EventLoop> firstRound = List.of(group.next(), group.next(), group.next());
            List<EventLoop> secondRound = List.of(group.next(), group.next(), group.next());

            assertThat(firstRound).containsExactlyInAnyOrderElementsOf(group.loops());
            assertThat(secondRound).isEqualTo(firstRound);
        }
    }

    @Test
    void least_loaded_spreads_work_in_turn_over_idle_loops() {
        try (EventLoopGroup group = EventLoopGroup.create(3)) {
            List<EventLoop> picked = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                picked.add(group.leastLoaded());
            }

            assertThat(picked.subList(0, 3)).containsExactlyInAnyOrderElementsOf(group.loops());
            assertThat(picked.subList(3, 6)).isEqualTo(picked.subList(0, 3));
        }
    }

    @Test
    void least_loaded_passes_over_a_loop_whose_thread_is_held_with_work_queued_behind_it() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop held = group.loop(0);
            try (LoopBlocker blocked = LoopBlocker.block(held)) {
                for (int i = 0; i < 10; i++) {
                    held.execute(() -> { });
                }

                for (int i = 0; i < 20; i++) {
                    assertThat(group.leastLoaded()).isSameAs(group.loop(1));
                }
            }
        }
    }

    @Test
    void the_builder_rejects_fewer_than_one_loop_with_a_message_saying_so() {
        assertThatThrownBy(() -> EventLoopGroup.builder().loops(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 loop")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> EventLoopGroup.create(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 loop")
                .hasMessageContaining("-2");
    }

    // ---------------------------------------------------------------- current

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void current_inside_a_fiber_is_the_fibers_loop(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            for (EventLoop loop : group.loops()) {
                assertThat(Fiber.builder().loop(loop).start(group::current).join()).isSameAs(loop);
            }
        }
    }

    @Test
    void current_is_null_outside_fibers_and_in_fibers_of_another_group() {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             EventLoopGroup other = EventLoopGroup.create(1)) {
            assertThat(group.current()).isNull();
            assertThat(Fiber.builder().loop(other.loop(0)).start(group::current).join()).isNull();
        }
    }

    // ---------------------------------------------------------------- close

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_lets_fibers_that_finish_within_the_timeout_complete_normally(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Event mayFinish = new Event();
            List<Fiber<String>> fibers = new ArrayList<>();
            for (EventLoop loop : group.loops()) {
                fibers.add(Fiber.builder().loop(loop).start(() -> {
                    mayFinish.await();
                    return "finished on " + loop.index();
                }));
            }
            fibers.forEach(f -> awaitParked(f));
            setOnceClosing(group, mayFinish);

            group.close(LIMIT);

            assertThat(fibers).allSatisfy(f -> assertThat(f.state()).isEqualTo(FiberState.DONE));
            assertThat(fibers.get(0).join()).isEqualTo("finished on 0");
            assertThat(fibers.get(1).join()).isEqualTo("finished on 1");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_waits_for_fibers_started_just_before_it(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Event mayFinish = new Event();
            List<Fiber<?>> fibers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                fibers.add(Fiber.builder().loop(group.loop(i % 2)).start(() -> mayFinish.await()));
            }
            setOnceClosing(group, mayFinish);

            group.close(LIMIT);

            assertThat(fibers).allSatisfy(f -> assertThat(f.state()).isEqualTo(FiberState.DONE));
        }
    }

    @Test
    void close_cancels_a_fiber_that_was_started_but_had_not_run_yet() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Event never = new Event();
            Fiber<?> queued;
            Thread closer;
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                queued = Fiber.builder().loop(loop).start(() -> never.await());
                closer = Thread.ofPlatform().start(() -> group.close(Duration.ofMillis(200)));
                await().until(group::isClosing);
            }

            assertThat(closer.join(LIMIT)).isTrue();
            assertThat(queued.state()).isEqualTo(FiberState.CANCELLED);
            assertThatThrownBy(() -> queued.join(LIMIT)).isInstanceOf(FiberCancelledException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_cancels_fibers_still_blocked_after_the_timeout(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Event never = new Event();
            Channel<String> silent = Channel.rendezvous();
            CountDownLatch jdkLatch = new CountDownLatch(1);
            List<Fiber<?>> fibers = new ArrayList<>();
            for (EventLoop loop : group.loops()) {
                fibers.add(Fiber.builder().loop(loop).start(() -> never.await()));
                fibers.add(Fiber.builder().loop(loop).start(() -> silent.receive()));
                fibers.add(Fiber.builder().loop(loop).start(() -> Fiber.sleep(Duration.ofHours(1))));
                fibers.add(Fiber.builder().loop(loop).start(() -> {
                    jdkLatch.await();
                    return null;
                }));
            }
            fibers.forEach(f -> awaitParked(f));

            group.close(Duration.ofMillis(200));

            assertThat(fibers).allSatisfy(f -> {
                assertThat(f.state()).isEqualTo(FiberState.CANCELLED);
                assertThatThrownBy(f::join).isInstanceOf(FiberCancelledException.class);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_leaves_no_loop_thread_behind(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(3, mode)) {
            Event never = new Event();
            Fiber<?> blocked = Fiber.builder().loop(group.loop(1)).start(() -> never.await());
            awaitParked(blocked);
            Set<String> loopThreadNames = group.loops().stream()
                    .map(loop -> loop.thread().getName())
                    .collect(Collectors.toSet());

            group.close(Duration.ofMillis(200));

            assertThat(group.isTerminated()).isTrue();
            assertThat(group.loops()).allSatisfy(loop -> {
                assertThat(loop.isTerminated()).isTrue();
                assertThat(loop.thread().isAlive()).as("%s is alive", loop.thread()).isFalse();
            });
            assertThat(Thread.getAllStackTraces().keySet())
                    .extracting(Thread::getName)
                    .doesNotContainAnyElementsOf(loopThreadNames);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void starting_a_fiber_from_outside_is_rejected_once_close_has_begun(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Event mayFinish = new Event();
            Fiber<?> lingering = Fiber.builder().loop(loop).start(() -> mayFinish.await());
            awaitParked(lingering);
            Thread closer = Thread.ofPlatform().start(() -> group.close(LIMIT));
            await().until(group::isClosing);

            Fiber<String> late = Fiber.builder().loop(loop).unstarted(() -> "never runs");
            assertThatThrownBy(late::start).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> Fiber.builder().loop(loop).start(() -> "never runs"))
                    .isInstanceOf(RejectedExecutionException.class);

            mayFinish.set();
            assertThat(closer.join(LIMIT)).isTrue();
            assertThat(late.state()).isEqualTo(FiberState.CANCELLED);
            assertThatThrownBy(() -> Fiber.builder().loop(loop).start(() -> "never runs"))
                    .isInstanceOf(RejectedExecutionException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void fibers_of_a_closing_group_may_still_start_children(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Event closing = new Event();
            Fiber<Integer> parent = Fiber.builder().loop(group.loop(0)).start(() -> {
                closing.await();
                return Fiber.spawn(() -> 42).join();
            });
            awaitParked(parent);
            setOnceClosing(group, closing);

            group.close(LIMIT);

            assertThat(parent.join()).isEqualTo(42);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    @SuppressWarnings("try") // closes the group from inside on purpose
    void closing_a_group_from_one_of_its_fibers_is_an_error(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Fiber<?> suicidal = Fiber.builder().loop(group.loop(0)).start(() -> group.close());

            assertThatThrownBy(suicidal::join)
                    .isInstanceOf(FiberFailedException.class)
                    .cause()
                    .isInstanceOf(IllegalStateException.class);
            assertThat(group.isClosing()).isFalse();
        }
    }

    @Test
    @SuppressWarnings("try") // closes the group from inside on purpose
    void closing_a_group_from_one_of_its_loop_threads_is_an_error() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            Result<Void> attempt = new Result<>();
            group.loop(0).execute(() -> {
                try {
                    group.close();
                    attempt.complete(null);
                } catch (Throwable e) {
                    attempt.fail(e);
                }
            });

            assertThatThrownBy(() -> attempt.await(LIMIT)).cause().isInstanceOf(IllegalStateException.class);
        }
    }

    // ---------------------------------------------------------------- failures

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_failing_fiber_does_not_stop_its_loop(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Fiber<?> throwsException = Fiber.builder().loop(loop).start(() -> {
                throw new IllegalStateException("expected by the test");
            });
            Fiber<?> throwsError = Fiber.builder().loop(loop).start(() -> {
                throw new LinkageError("expected by the test");
            });
            assertThatThrownBy(throwsException::join).isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(throwsError::join).isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(LinkageError.class);

            CountDownLatch callbackRan = new CountDownLatch(1);
            loop.execute(callbackRan::countDown);
            Fiber<String> next = Fiber.builder().loop(loop).start(() -> {
                Fiber.sleep(Duration.ofMillis(1));
                return "still running";
            });

            assertThat(next.join(LIMIT)).isEqualTo("still running");
            assertThat(callbackRan.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(loop.thread().isAlive()).isTrue();
            assertThat(loop.stats().fibersFailed()).isEqualTo(2);
        }
    }

    /** Sets the event from another thread once the group's close has begun, so that close must wait for it. */
    private static void setOnceClosing(EventLoopGroup group, Event event) {
        Thread.ofPlatform().start(() -> {
            await().until(group::isClosing);
            event.set();
        });
    }
}
