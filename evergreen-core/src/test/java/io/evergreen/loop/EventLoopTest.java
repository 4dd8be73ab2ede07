package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.sync.Result;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class EventLoopTest {

    // ---------------------------------------------------------------- ready callbacks

    @Test
    void callbacks_queued_from_another_thread_run_in_the_order_they_were_queued() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Integer> order = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                if (i % 2 == 0) {
                    loop.execute(() -> order.add(n));
                } else {
                    loop.callSoon(() -> order.add(n));
                }
            }
            awaitQueuedCallbacks(loop);

            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        }
    }

    @Test
    void callbacks_queued_on_the_loop_thread_run_in_the_order_they_were_queued() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Integer> order = new CopyOnWriteArrayList<>();
            loop.execute(() -> {
                for (int i = 0; i < 100; i++) {
                    int n = i;
                    if (i % 2 == 0) {
                        loop.execute(() -> order.add(n));
                    } else {
                        loop.callSoon(() -> order.add(n));
                    }
                }
            });
            await().until(() -> order.size() == 100);

            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        }
    }

    @Test
    void callbacks_queued_during_the_ready_phase_run_in_the_next_iteration() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Result<Long> queuerIteration = new Result<>();
            Result<Long> queuedIteration = new Result<>();
            loop.execute(() -> {
                queuerIteration.complete(loop.stats().iterations());
                loop.callSoon(() -> queuedIteration.complete(loop.stats().iterations()));
            });

            assertThat(queuedIteration.await(LIMIT)).isEqualTo(queuerIteration.await(LIMIT) + 1);
        }
    }

    @Test
    void a_callback_queued_during_the_ready_phase_runs_after_a_timer_that_came_due_meanwhile() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<String> order = new CopyOnWriteArrayList<>();
            loop.execute(() -> {
                loop.callSoon(() -> order.add("callback"));
                loop.callAt(System.nanoTime(), () -> order.add("timer"));
            });
            await().until(() -> order.size() == 2);

            assertThat(order).containsExactly("timer", "callback");
        }
    }

    // ---------------------------------------------------------------- timers

    @Test
    void timers_run_in_deadline_order_whatever_the_scheduling_order() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<String> order = new CopyOnWriteArrayList<>();
            long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            loop.callAt(base + 3_000, () -> order.add("third"));
            loop.callAt(base + 1_000, () -> order.add("first"));
            loop.callLater(Duration.ofMillis(40), () -> order.add("fourth"));
            loop.callAt(base + 2_000, () -> order.add("second"));
            await().until(() -> order.size() == 4);

            assertThat(order).containsExactly("first", "second", "third", "fourth");
        }
    }

    @Test
    void timers_with_the_same_deadline_run_in_the_order_they_were_scheduled() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Integer> order = new CopyOnWriteArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            for (int i = 0; i < 50; i++) {
                int n = i;
                loop.callAt(deadline, () -> order.add(n));
            }
            await().until(() -> order.size() == 50);

            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
        }
    }

    @Test
    void a_timer_never_fires_before_its_deadline() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            long scheduled = System.nanoTime();
            Result<Long> firedAt = new Result<>();
            loop.callLater(Duration.ofMillis(20), () -> firedAt.complete(System.nanoTime()));

            assertThat(firedAt.await(LIMIT) - scheduled).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
        }
    }

    @Test
    void a_timer_scheduled_from_another_thread_fires_on_a_sleeping_loop() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            await().until(() -> loop.stats().isPolling());
            CountDownLatch fired = new CountDownLatch(1);

            loop.callLater(Duration.ofMillis(1), fired::countDown);

            assertThat(fired.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
    }

    // ---------------------------------------------------------------- handles

    @Test
    void a_handle_cancelled_on_the_loop_thread_prevents_its_callback_from_running() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicBoolean ran = new AtomicBoolean();
            List<Boolean> cancelled = onLoop(loop, () -> {
                Handle soon = loop.callSoon(() -> ran.set(true));
                Handle later = loop.callLater(Duration.ZERO, () -> ran.set(true));
                return List.of(soon.cancel(), later.cancel(), soon.isCancelled(), later.isCancelled());
            });
            awaitQueuedCallbacksAndTimers(loop);

            assertThat(cancelled).containsOnly(true);
            assertThat(ran).isFalse();
        }
    }

    @Test
    void a_handle_cancelled_from_another_thread_prevents_its_callback_from_running() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicBoolean ran = new AtomicBoolean();
            Handle soon;
            Handle later;
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                soon = loop.callSoon(() -> ran.set(true));
                later = loop.callLater(Duration.ZERO, () -> ran.set(true));

                assertThat(soon.cancel()).isTrue();
                assertThat(later.cancel()).isTrue();
            }
            awaitQueuedCallbacksAndTimers(loop);

            assertThat(ran).isFalse();
            assertThat(soon.isCancelled()).isTrue();
            assertThat(later.isCancelled()).isTrue();
        }
    }

    @Test
    void a_due_timer_runs_after_at_most_one_bounded_batch_of_a_large_backlog() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            int backlog = 20 * EventLoop.MAX_CALLBACKS_PER_ITERATION;
            int[] callbacksRun = new int[1];
            Result<Integer> ranBeforeTimer = new Result<>();
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                loop.callLater(Duration.ZERO, () -> ranBeforeTimer.complete(callbacksRun[0]));
                for (int i = 0; i < backlog; i++) {
                    loop.execute(() -> callbacksRun[0]++);
                }
            }

            // The timer is added by the first callback of the batch and fires in the next iteration.
            assertThat(ranBeforeTimer.await(LIMIT)).isLessThan(EventLoop.MAX_CALLBACKS_PER_ITERATION);
            Result<Integer> total = new Result<>();
            loop.execute(() -> total.complete(callbacksRun[0])); // behind the whole backlog
            assertThat(total.await(LIMIT)).isEqualTo(backlog);
        }
    }

    @Test
    void a_fiber_woken_from_another_thread_runs_before_the_rest_of_a_large_backlog() throws Exception {
        // A monitor released by a fiber of another loop wakes its successor through this loop's inbound queue.
        // If the successor waited for the next phase (up to MAX_CALLBACKS_PER_ITERATION callbacks away), the
        // monitor's other waiters, woken one per successor, waited seconds under load (issue 6).
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            int backlog = 4 * EventLoop.MAX_CALLBACKS_PER_ITERATION;
            int[] callbacksRun = new int[1];
            Result<Integer> resumedAfter = new Result<>();
            Fiber<Void> waiter = Fiber.builder().loop(loop).start(() -> {
                LockSupport.park();
                resumedAfter.complete(callbacksRun[0]);
            });
            awaitParked(waiter);
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                loop.execute(() -> {
                    callbacksRun[0]++;
                    Thread waker = Thread.ofPlatform().start(() -> LockSupport.unpark(waiter.thread()));
                    joinUninterruptibly(waker);
                });
                for (int i = 1; i < backlog; i++) {
                    loop.execute(() -> callbacksRun[0]++);
                }
            }

            assertThat(resumedAfter.await(LIMIT)).isEqualTo(1);
            waiter.join(LIMIT);
        }
    }

    @Test
    void work_taken_from_other_threads_in_the_middle_of_a_phase_still_counts_as_queued_work() throws Exception {
        // Placement (EventLoopGroup.leastLoaded) compares queuedWork: work the loop takes from its inbound queue
        // after a callback must not vanish from it until the phase ends.
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            LoopBlocker first;
            LoopBlocker second;
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                first = LoopBlocker.queue(loop);
                second = LoopBlocker.queue(loop);
            }
            try (first; second) {
                // Both run in one phase: the first holds the loop while other threads hand in more work.
                first.awaitEntered();
                int handedIn = 100;
                for (int i = 0; i < handedIn; i++) {
                    loop.execute(() -> { });
                }
                assertThat(loop.queuedWork()).isGreaterThanOrEqualTo(handedIn);

                first.close();
                second.awaitEntered();

                assertThat(loop.stats().externalQueueDepth()).as("taken by the loop after the first callback").isZero();
                assertThat(loop.queuedWork()).isGreaterThanOrEqualTo(handedIn);
            }
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void cancelling_a_handle_twice_returns_false_the_second_time() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                Handle soon = loop.callSoon(() -> { });

                assertThat(soon.cancel()).isTrue();
                assertThat(soon.cancel()).isFalse();
                assertThat(soon.isCancelled()).isTrue();
            }
        }
    }

    @Test
    void cancelling_a_handle_after_its_callback_ran_returns_false() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch ran = new CountDownLatch(2);
            Handle soon = loop.callSoon(ran::countDown);
            Handle later = loop.callLater(Duration.ZERO, ran::countDown);
            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            assertThat(soon.cancel()).isFalse();
            assertThat(later.cancel()).isFalse();
            assertThat(soon.isCancelled()).isFalse();
            assertThat(later.isCancelled()).isFalse();
        }
    }

    // ---------------------------------------------------------------- waking up and failures

    @Test
    void execute_from_another_thread_wakes_a_loop_sleeping_without_timers() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            await().until(() -> loop.stats().isPolling() && loop.stats().timerQueueDepth() == 0);
            CountDownLatch ran = new CountDownLatch(1);

            loop.execute(ran::countDown);

            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
    }

    @Test
    void a_callback_that_throws_does_not_stop_the_loop() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch later = new CountDownLatch(3);
            loop.execute(() -> {
                throw new IllegalStateException("expected by the test");
            });
            loop.callSoon(() -> {
                throw new StackOverflowError("expected by the test");
            });
            loop.execute(later::countDown);
            loop.callSoon(later::countDown);
            loop.callLater(Duration.ZERO, later::countDown);

            assertThat(later.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(loop.stats().callbackFailures()).isEqualTo(2);
            assertThat(loop.thread().isAlive()).isTrue();
        }
    }

    // ---------------------------------------------------------------- inLoop and current

    @Test
    void inLoop_is_true_on_the_loop_thread() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);

            assertThat(onLoop(loop, loop::inLoop)).isTrue();
        }
    }

    @Test
    void inLoop_is_true_inside_a_fiber_of_the_loop_before_and_after_it_parks() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Boolean> seen = Fiber.builder().loop(loop).start(() -> {
                boolean before = loop.inLoop();
                Fiber.sleep(Duration.ofMillis(1));
                return List.of(before, loop.inLoop());
            }).join();

            assertThat(seen).containsExactly(true, true);
        }
    }

    @Test
    void inLoop_is_false_on_other_threads_other_loops_and_their_fibers() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop loop = group.loop(0);
            EventLoop other = group.loop(1);

            assertThat(loop.inLoop()).isFalse();
            assertThat(onLoop(other, loop::inLoop)).isFalse();
            assertThat(Fiber.builder().loop(other).start(loop::inLoop).join()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void current_is_the_loop_on_its_thread_and_inside_its_fibers(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            EventLoop loop = group.loop(1);

            assertThat(onLoop(loop, EventLoop::current)).isSameAs(loop);
            assertThat(Fiber.builder().loop(loop).start(EventLoop::current).join()).isSameAs(loop);
        }
    }

    @Test
    void current_is_null_outside_loops_and_fibers() throws Exception {
        try (EventLoopGroup _ = EventLoopGroup.create(1)) {
            Result<EventLoop> onPlatformThread = new Result<>();
            Thread.ofPlatform().start(() -> onPlatformThread.complete(EventLoop.current()));

            assertThat(EventLoop.current()).isNull();
            assertThat(onPlatformThread.await(LIMIT)).isNull();
        }
    }

    // ---------------------------------------------------------------- stats

    @Test
    void stats_count_the_iterations_the_loop_completed() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            awaitQueuedCallbacks(loop);
            long before = loop.stats().iterations();

            // Waking the loop ends the iteration it slept in; the callback runs in the next one.
            awaitQueuedCallbacks(loop);

            await().untilAsserted(() -> assertThat(loop.stats().iterations()).isGreaterThan(before));
        }
    }

    @Test
    void stats_count_callbacks_run() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch ran = new CountDownLatch(10);
            for (int i = 0; i < 10; i++) {
                loop.execute(ran::countDown);
            }
            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            await().untilAsserted(() -> assertThat(loop.stats().callbacksRun()).isEqualTo(10));
        }
    }

    @Test
    void stats_count_timers_fired_but_not_timers_cancelled() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch fired = new CountDownLatch(3);
            Handle cancelled = loop.callLater(Duration.ofMillis(2), () -> { });
            cancelled.cancel();
            for (int i = 0; i < 3; i++) {
                loop.callLater(Duration.ofMillis(i), fired::countDown);
            }
            assertThat(fired.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            await().untilAsserted(() -> assertThat(loop.stats().timersFired()).isEqualTo(3));
        }
    }

    @Test
    void stats_count_external_submissions_but_not_callbacks_queued_on_the_loop_thread() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch ran = new CountDownLatch(3);
            loop.execute(() -> {
                ran.countDown();
                loop.execute(ran::countDown);
                loop.callSoon(ran::countDown);
            });
            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            assertThat(loop.stats().externalSubmissions()).isEqualTo(1);
            await().untilAsserted(() -> assertThat(loop.stats().callbacksRun()).isEqualTo(3));
        }
    }

    @Test
    void stats_count_a_wakeup_when_another_thread_hands_work_to_a_sleeping_loop() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            await().until(() -> loop.stats().isPolling() && loop.stats().timerQueueDepth() == 0);
            long sleepsBefore = loop.stats().sleeps();
            assertThat(sleepsBefore).isPositive();
            long wakeupsBefore = loop.stats().wakeups();
            CountDownLatch ran = new CountDownLatch(1);

            loop.execute(ran::countDown);

            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(loop.stats().wakeups()).isEqualTo(wakeupsBefore + 1);
        }
    }

    @Test
    void stats_count_no_wakeup_for_work_handed_over_while_the_loop_is_awake() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(100);
            loop.execute(() -> {
                running.countDown();
                awaitQuietly(release);
            });
            assertThat(running.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            long wakeupsBefore = loop.stats().wakeups();

            for (int i = 0; i < 100; i++) {
                loop.execute(ran::countDown); // the loop is busy in a callback: it cannot be asleep
            }
            release.countDown();

            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(loop.stats().wakeups()).isEqualTo(wakeupsBefore);
        }
    }

    @Test
    void the_poller_is_attached_to_its_loop_before_the_loop_runs() throws Exception {
        List<EventLoop> attached = new CopyOnWriteArrayList<>();
        List<Boolean> threadStartedAtAttach = new CopyOnWriteArrayList<>();
        Supplier<IoPoller> factory = () -> {
            try {
                NioSelectorPoller selector = new NioSelectorPoller();
                return new IoPoller() {
                    @Override
                    public int poll(long timeoutNanos) throws IOException {
                        return selector.poll(timeoutNanos);
                    }

                    @Override
                    public void attach(EventLoop loop) {
                        attached.add(loop);
                        threadStartedAtAttach.add(loop.thread().isAlive());
                    }

                    @Override
                    public void wakeup() {
                        selector.wakeup();
                    }

                    @Override
                    public void close() throws IOException {
                        selector.close();
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try (EventLoopGroup group = EventLoopGroup.builder().loops(2).pollerFactory(factory).build()) {
            assertThat(attached).containsExactlyElementsOf(group.loops());
            assertThat(threadStartedAtAttach).containsOnly(false);
        }
    }

    @Test
    void queue_depths_show_waiting_work_and_return_to_zero_once_it_ran() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            LoopStats stats = loop.stats();
            CountDownLatch release = new CountDownLatch(1);
            Handle farTimer = loop.callLater(Duration.ofHours(1), () -> { });
            // One iteration queues five callbacks; the first of them then holds the loop.
            loop.execute(() -> {
                loop.callSoon(() -> awaitQuietly(release));
                for (int i = 0; i < 4; i++) {
                    loop.callSoon(() -> { });
                }
            });
            await().untilAsserted(() -> {
                assertThat(stats.readyQueueDepth()).isEqualTo(5);
                assertThat(stats.timerQueueDepth()).isEqualTo(1);
            });
            for (int i = 0; i < 3; i++) {
                loop.execute(() -> { });
            }
            assertThat(stats.externalQueueDepth()).isEqualTo(3);

            release.countDown();
            onLoop(loop, farTimer::cancel);

            await().untilAsserted(() -> {
                assertThat(stats.readyQueueDepth()).isZero();
                assertThat(stats.externalQueueDepth()).isZero();
                assertThat(stats.timerQueueDepth()).isZero();
            });
        }
    }

    // ---------------------------------------------------------------- after the next poll

    /**
     * A fiber that keeps yielding keeps the loop busy, and a busy loop skips polls for up to the busy-poll interval:
     * a zero-delay timer set in one iteration then fires in the next without a poll between (the release of a closed
     * server port waited that way, and a rebind at once failed in CI). The callback must see a poll after its call.
     */
    @Test
    void a_callback_after_the_next_poll_runs_only_once_the_loop_has_polled_even_while_busy() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicBoolean busy = new AtomicBoolean(true);
            Fiber<Void> spinner = Fiber.builder().loop(loop).start(() -> {
                while (busy.get()) {
                    Fiber.yieldNow();
                }
            });
            try {
                for (int attempt = 0; attempt < 200; attempt++) {
                    long[] pollsAtCall = new long[1];
                    Result<Long> pollsAtCallback = new Result<>();
                    loop.execute(() -> {
                        pollsAtCall[0] = loop.stats().polls();
                        loop.afterNextPoll(() -> pollsAtCallback.complete(loop.stats().polls()));
                    });
                    assertThat(pollsAtCallback.await(LIMIT)).as("attempt %d", attempt).isGreaterThan(pollsAtCall[0]);
                }
            } finally {
                busy.set(false);
                spinner.join(LIMIT);
            }
        }
    }

    /** An idle loop would sleep in that poll until some I/O or timer came: the poll must not wait. */
    @Test
    void a_callback_after_the_next_poll_runs_on_a_loop_with_nothing_else_to_do() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            long pollsBefore = onLoop(loop, () -> loop.stats().polls());
            Result<Long> polls = new Result<>();

            loop.afterNextPoll(() -> polls.complete(loop.stats().polls()));

            assertThat(polls.await(LIMIT)).isGreaterThan(pollsBefore);
        }
    }

    /** A fiber that waits for a poll while its loop stops: the drain polls for it rather than leave it parked. */
    @Test
    void a_fiber_waiting_for_the_next_poll_resumes_while_its_loop_stops() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Result<String> outcome = new Result<>();
            loop.execute(() -> {
                Fiber.builder().loop(loop).start(() -> {
                    Result<Void> polled = new Result<>();
                    loop.afterNextPoll(() -> polled.complete(null));
                    polled.await(LIMIT);
                    outcome.complete(loop.isTerminated() ? "after the loop ended" : "while the loop drained");
                });
                loop.stop(); // the fiber runs in the drain, queues its wait, and parks
            });

            assertThat(outcome.await(LIMIT)).isEqualTo("while the loop drained");
            assertThat(loop.awaitTermination(LIMIT)).isTrue();
        }
    }

    @Test
    void a_callback_after_the_next_poll_still_runs_when_the_loop_stops_first() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Result<Boolean> ranAfterStop = new Result<>();
            loop.execute(() -> {
                loop.afterNextPoll(() -> ranAfterStop.complete(loop.isStopping()));
                loop.stop();
            });

            assertThat(ranAfterStop.await(LIMIT)).isTrue();
            assertThat(loop.awaitTermination(LIMIT)).isTrue();
            assertThatThrownBy(() -> loop.afterNextPoll(() -> { })).isInstanceOf(RejectedExecutionException.class);
        }
    }

    // ---------------------------------------------------------------- stopping

    @Test
    void stop_ends_the_loop_thread() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);

            loop.stop();

            assertThat(loop.awaitTermination(LIMIT)).isTrue();
            assertThat(loop.isTerminated()).isTrue();
            assertThat(loop.thread().isAlive()).isFalse();
        }
    }

    @Test
    void stop_runs_the_callbacks_already_queued_before_the_thread_ends() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Integer> ran = new CopyOnWriteArrayList<>();
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                for (int i = 0; i < 3; i++) {
                    int n = i;
                    loop.execute(() -> ran.add(n));
                }
                loop.stop();
            }

            assertThat(loop.awaitTermination(LIMIT)).isTrue();
            assertThat(ran).containsExactly(0, 1, 2);
        }
    }

    @Test
    void callbacks_from_another_thread_are_rejected_after_the_loop_terminated() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            loop.stop();
            assertThat(loop.awaitTermination(LIMIT)).isTrue();

            assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> loop.callSoon(() -> { })).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> loop.callLater(Duration.ZERO, () -> { }))
                    .isInstanceOf(RejectedExecutionException.class);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Runs the task on the loop thread and returns what it returned. */
    private static <T> T onLoop(EventLoop loop, Callable<T> task) {
        Result<T> result = new Result<>();
        loop.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.fail(e);
            }
        });
        return result.await(LIMIT);
    }

    /** Returns once every callback queued on the loop before this call has run. */
    private static void awaitQueuedCallbacks(EventLoop loop) {
        onLoop(loop, () -> null);
    }

    /** Returns once the callbacks and the timers due by now, queued before this call, have run. */
    private static void awaitQueuedCallbacksAndTimers(EventLoop loop) {
        Result<Void> timerRan = new Result<>();
        loop.callLater(Duration.ZERO, () -> timerRan.complete(null));
        awaitQueuedCallbacks(loop);
        timerRan.await(LIMIT);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
