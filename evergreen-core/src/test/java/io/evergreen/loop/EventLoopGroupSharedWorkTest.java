package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link EventLoopGroup#execute(Runnable)}: work that the first free loop of the group takes. */
@Timeout(60)
class EventLoopGroupSharedWorkTest {

    @Test
    void tasks_run_on_a_loop_thread_of_the_group_in_the_order_handed_in() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            List<Integer> order = new CopyOnWriteArrayList<>();
            List<EventLoop> ranOn = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 100; i++) {
                int task = i;
                group.execute(() -> {
                    ranOn.add(EventLoop.current());
                    order.add(task);
                });
            }

            await().until(() -> order.size() == 100);
            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
            assertThat(ranOn).containsOnly(group.loop(0));
            assertThat(group.loop(0).stats().sharedTasksTaken()).isEqualTo(100);
            assertThat(group.sharedQueueDepth()).isZero();
        }
    }

    @Test
    void a_loop_asleep_in_its_poll_wakes_for_a_task() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            // Loops with no timer sleep without a limit: only the hand-in can wake one.
            await().until(() -> group.loops().stream().allMatch(l -> l.isPolling() && l.stats().sleeps() > 0));
            CountDownLatch ran = new CountDownLatch(1);

            group.execute(ran::countDown);

            assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
    }

    @Test
    void while_one_loop_is_held_the_other_takes_every_task() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop held = group.loop(0);
            List<EventLoop> ranOn = new CopyOnWriteArrayList<>();
            try (LoopBlocker blocked = LoopBlocker.block(held)) {
                for (int i = 0; i < 50; i++) {
                    group.execute(() -> ranOn.add(EventLoop.current()));
                }

                // All of them run while loop 0 is still held: none waits behind it.
                await().until(() -> ranOn.size() == 50);
            }
            assertThat(ranOn).containsOnly(group.loop(1));
            assertThat(held.stats().sharedTasksTaken()).isZero();
        }
    }

    /**
     * A loop whose own callbacks keep queueing more never runs dry: one callback that queues itself again (as a
     * fiber that keeps yielding does) runs once per phase; one that queues itself twice fills every phase.
     */
    @ParameterizedTest(name = "each callback queues itself {0} times")
    @ValueSource(ints = {1, 2})
    void a_loop_that_never_runs_dry_still_takes_tasks(int requeuedPerRun) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicBoolean churning = new AtomicBoolean(true);
            AtomicInteger churned = new AtomicInteger();
            AtomicInteger queued = new AtomicInteger(1);
            Runnable churn = new Runnable() {
                @Override
                public void run() {
                    churned.incrementAndGet();
                    queued.decrementAndGet();
                    int copies = !churning.get() ? 0 : queued.get() < 1_000 ? requeuedPerRun : 1;
                    for (int i = 0; i < copies; i++) {
                        queued.incrementAndGet();
                        loop.execute(this);
                    }
                }
            };
            loop.execute(churn);
            await().until(() -> churned.get() > 10_000);
            CountDownLatch ran = new CountDownLatch(20);
            try {
                for (int i = 0; i < 20; i++) {
                    group.execute(ran::countDown);
                }

                assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(churning.get()).isTrue();
            } finally {
                churning.set(false);
            }
        }
    }

    @Test
    void close_runs_the_tasks_already_handed_in_then_rejects_more() throws Exception {
        EventLoopGroup group = EventLoopGroup.create(1);
        AtomicInteger ran = new AtomicInteger();
        Thread closer;
        try (LoopBlocker blocked = LoopBlocker.block(group.loop(0))) {
            for (int i = 0; i < 10; i++) {
                group.execute(ran::incrementAndGet);
            }
            closer = Thread.ofPlatform().start(() -> group.close(LIMIT));
            await().until(group::isClosing);

            assertThatThrownBy(() -> group.execute(ran::incrementAndGet))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("closing");
            assertThat(ran).hasValue(0);
        }
        closer.join(LIMIT.multipliedBy(2));

        assertThat(closer.isAlive()).isFalse();
        assertThat(ran).hasValue(10);
        assertThat(group.isTerminated()).isTrue();
    }

    @Test
    void a_stopping_loop_takes_no_more_tasks() throws Exception {
        EventLoopGroup group = EventLoopGroup.create(1);
        EventLoop loop = group.loop(0);
        AtomicInteger ran = new AtomicInteger();
        try {
            try (LoopBlocker blocked = LoopBlocker.block(loop)) {
                for (int i = 0; i < 5; i++) {
                    group.execute(ran::incrementAndGet);
                }
                loop.stop();
            }

            assertThat(loop.awaitTermination(LIMIT)).isTrue();
            assertThat(ran).hasValue(0);
            assertThat(group.sharedQueueDepth()).isEqualTo(5);
            assertThatThrownBy(() -> group.execute(ran::incrementAndGet))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("no running loop");
            assertThat(group.sharedQueueDepth()).isEqualTo(5);
        } finally {
            // With no loop left to take them, close does not wait for those tasks (it logs that they did not run).
            assertClosesWithNothingToWaitFor(group);
        }
        assertThat(ran).hasValue(0);
        assertThat(group.sharedQueueDepth()).isZero();
    }

    @Test
    void close_drops_the_tasks_no_loop_took_before_the_timeout_and_cancels_the_fibers() throws Exception {
        EventLoopGroup group = EventLoopGroup.create(1);
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch neverSet = new CountDownLatch(1);
        Fiber<Void> parked = Fiber.builder().loop(group.loop(0)).start(() -> {
            neverSet.await();
            return null;
        });
        try (LoopBlocker blocked = LoopBlocker.block(group.loop(0))) {
            for (int i = 0; i < 5; i++) {
                group.execute(ran::incrementAndGet);
            }
            // Held past close's timeout: the tasks are still queued when it gives up waiting.
            Thread closer = Thread.ofPlatform().start(() -> group.close(Duration.ofMillis(200)));
            await().until(() -> group.sharedQueueDepth() == 0);
            blocked.close();
            closer.join(LIMIT);
            assertThat(closer.isAlive()).isFalse();
        }

        assertThat(ran).hasValue(0);
        assertThat(parked.state()).isEqualTo(FiberState.CANCELLED);
        assertThat(group.isTerminated()).isTrue();
    }

    @Test
    void a_failing_task_is_counted_and_the_loop_goes_on() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            CountDownLatch next = new CountDownLatch(1);

            group.execute(() -> {
                throw new IllegalStateException("boom");
            });
            group.execute(next::countDown);

            assertThat(next.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(group.loop(0).stats().callbackFailures()).isEqualTo(1);
            // Both count as done: close has nothing left to wait for.
            assertClosesWithNothingToWaitFor(group);
        }
    }

    /** Closes the group with a timeout far beyond the test's, and asserts that close returned well within it. */
    private static void assertClosesWithNothingToWaitFor(EventLoopGroup group) throws InterruptedException {
        Thread closer = Thread.ofPlatform().start(() -> group.close(Duration.ofMinutes(10)));
        closer.join(LIMIT);
        assertThat(closer.isAlive()).as("close still waiting").isFalse();
    }
}
