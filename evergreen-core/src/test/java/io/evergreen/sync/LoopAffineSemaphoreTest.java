package io.evergreen.sync;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LoopAffineSemaphoreTest {

    /** Long enough that no test's waiters ever reach it: the releaser's loop always wins. */
    private static final Duration NEVER_PASSED_OVER = Duration.ofHours(1);

    @Test
    void it_needs_at_least_one_permit_and_a_pass_over_limit_of_zero_or_more() {
        assertThatThrownBy(() -> new LoopAffineSemaphore(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new LoopAffineSemaphore(1, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }

    @Test
    void permits_are_taken_at_once_while_free_and_refused_without_waiting_when_none_is() {
        LoopAffineSemaphore semaphore = new LoopAffineSemaphore(2);

        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isFalse();
        assertThat(semaphore.availablePermits()).isZero();

        semaphore.release();
        assertThat(semaphore.availablePermits()).isEqualTo(1);
    }

    @Test
    void releasing_more_than_was_taken_is_refused() {
        LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1);

        assertThatThrownBy(semaphore::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without a permit taken");
    }

    @Test
    void a_released_permit_goes_to_a_waiter_of_the_releasers_loop_before_an_older_waiter_of_another_loop() {
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1, NEVER_PASSED_OVER);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue(); // held by the test until a fiber takes over
            List<String> served = new CopyOnWriteArrayList<>();
            Fiber<?> olderElsewhere = waiter(group.loop(1), semaphore, "loop 1", served);
            await().until(() -> semaphore.waiting() == 1);
            Fiber<?> sameLoop = waiter(group.loop(0), semaphore, "loop 0", served);
            await().until(() -> semaphore.waiting() == 2);

            Fiber.builder().loop(group.loop(0)).start(semaphore::release).join(LIMIT);

            sameLoop.join(LIMIT);
            assertThat(served).containsExactly("loop 0");
            assertThat(semaphore.sameLoopHandOffs()).isEqualTo(1);
            assertThat(semaphore.otherHandOffs()).isZero();

            Fiber.builder().loop(group.loop(0)).start(semaphore::release).join(LIMIT); // nobody left on loop 0
            olderElsewhere.join(LIMIT);
            assertThat(served).containsExactly("loop 0", "loop 1");
            assertThat(semaphore.otherHandOffs()).isEqualTo(1);
        }
    }

    @Test
    void a_fiber_that_hands_its_permit_to_a_waiter_of_its_loop_lets_the_waiter_run_before_it_goes_on() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1, NEVER_PASSED_OVER);
            List<String> order = new CopyOnWriteArrayList<>();
            Fiber<?> holder = Fiber.builder().loop(group.loop(0)).start(() -> {
                assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
                Fiber<?> waiter = waiter(group.loop(0), semaphore, "waiter", order);
                while (semaphore.waiting() == 0) {
                    Fiber.yieldNow();
                }
                semaphore.release();
                order.add("releaser goes on");
                waiter.join();
            });

            holder.join(LIMIT);
            assertThat(order).containsExactly("waiter", "releaser goes on");
        }
    }

    @Test
    void a_waiter_of_another_loop_that_has_waited_past_the_limit_longer_gets_the_permit_first() {
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1, Duration.ZERO);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            List<String> served = new CopyOnWriteArrayList<>();
            Fiber<?> older = waiter(group.loop(1), semaphore, "loop 1", served);
            await().until(() -> semaphore.waiting() == 1);
            awaitNanoTimeMoves();
            Fiber<?> younger = waiter(group.loop(0), semaphore, "loop 0", served);
            await().until(() -> semaphore.waiting() == 2);

            Fiber.builder().loop(group.loop(0)).start(semaphore::release).join(LIMIT);
            older.join(LIMIT);
            assertThat(served).containsExactly("loop 1");
            assertThat(younger.isDone()).isFalse();

            Fiber.builder().loop(group.loop(1)).start(semaphore::release).join(LIMIT);
            younger.join(LIMIT);
            assertThat(served).containsExactly("loop 1", "loop 0");
        }
    }

    @Test
    void waiters_of_one_loop_are_served_in_the_order_they_came() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1, NEVER_PASSED_OVER);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            List<String> served = new CopyOnWriteArrayList<>();
            List<Fiber<?>> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiters.add(waiter(group.loop(0), semaphore, "waiter " + i, served));
                int queued = i + 1;
                await().until(() -> semaphore.waiting() == queued);
            }

            for (int i = 0; i < 5; i++) {
                Fiber.builder().loop(group.loop(0)).start(semaphore::release).join(LIMIT);
                waiters.get(i).join(LIMIT);
            }

            assertThat(served).containsExactly("waiter 0", "waiter 1", "waiter 2", "waiter 3", "waiter 4");
        }
    }

    @Test
    void a_thread_that_is_no_fiber_waits_too_and_gets_a_permit_a_fiber_gives_back() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            CompletableFuture<Boolean> platform = CompletableFuture.supplyAsync(() -> semaphore.tryAcquire(LIMIT),
                    runnable -> Thread.ofPlatform().start(runnable));
            await().until(() -> semaphore.waiting() == 1);

            Fiber.builder().loop(group.loop(0)).start(semaphore::release).join(LIMIT);

            assertThat(platform.get()).isTrue();
            assertThat(semaphore.otherHandOffs()).isEqualTo(1);
            assertThat(semaphore.availablePermits()).isZero();
        }
    }

    @Test
    void a_wait_that_times_out_leaves_no_waiter_behind_and_takes_no_permit() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();

            Fiber<Boolean> waiter = Fiber.builder().loop(group.loop(0))
                    .start(() -> semaphore.tryAcquire(Duration.ofMillis(50)));

            assertThat(waiter.join(LIMIT)).isFalse();
            assertThat(semaphore.waiting()).isZero();
            semaphore.release();
            assertThat(semaphore.availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void a_cancelled_waiter_stops_waiting_and_loses_no_permit() {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            Fiber<Boolean> waiter = Fiber.builder().loop(group.loop(0)).start(() -> semaphore.tryAcquire(LIMIT));
            awaitParked(waiter);

            waiter.cancel();

            assertThatThrownBy(() -> waiter.join(LIMIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(semaphore.waiting()).isZero();
            semaphore.release();
            assertThat(semaphore.availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void a_loop_thread_may_give_a_permit_back_but_never_wait_for_one() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            CompletableFuture<Throwable> waiting = new CompletableFuture<>();
            CompletableFuture<Void> released = new CompletableFuture<>();

            group.loop(0).execute(() -> {
                try {
                    semaphore.tryAcquire(Duration.ZERO);
                    waiting.complete(null);
                } catch (Throwable t) {
                    waiting.complete(t);
                }
                semaphore.release();
                released.complete(null);
            });

            assertThat(waiting.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("loop's own thread");
            released.get();
            assertThat(semaphore.availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void under_contention_from_two_loops_and_a_thread_no_more_than_the_permits_are_ever_held() throws Exception {
        int permits = 3;
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(permits);
            AtomicInteger holders = new AtomicInteger();
            AtomicInteger mostHolders = new AtomicInteger();
            Runnable work = () -> {
                for (int round = 0; round < 200; round++) {
                    assertThat(semaphore.tryAcquire(LIMIT)).isTrue();
                    mostHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                    Thread.yield(); // let others of this loop queue behind the holder
                    holders.decrementAndGet();
                    semaphore.release();
                }
            };
            List<Fiber<Void>> fibers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                fibers.add(Fiber.builder().loop(group.loop(i % 2)).start(work));
            }
            Thread platform = Thread.ofPlatform().start(work);

            for (Fiber<Void> fiber : fibers) {
                fiber.join(LIMIT);
            }
            platform.join(LIMIT);

            assertThat(mostHolders.get()).isBetween(1, permits);
            assertThat(semaphore.availablePermits()).isEqualTo(permits);
            assertThat(semaphore.waiting()).isZero();
            assertThat(semaphore.sameLoopHandOffs() + semaphore.otherHandOffs()).isPositive();
        }
    }

    @Test
    void permits_added_by_a_resize_go_to_the_oldest_waiters_at_once() {
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.LOOP)) {
            LoopAffineSemaphore semaphore = new LoopAffineSemaphore(1, NEVER_PASSED_OVER);
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
            List<String> served = new CopyOnWriteArrayList<>();
            Fiber<?> first = waiter(group.loop(1), semaphore, "first", served);
            await().until(() -> semaphore.waiting() == 1);
            awaitNanoTimeMoves();
            Fiber<?> second = waiter(group.loop(0), semaphore, "second", served);
            await().until(() -> semaphore.waiting() == 2);
            awaitNanoTimeMoves();
            Fiber<?> third = waiter(group.loop(0), semaphore, "third", served);
            await().until(() -> semaphore.waiting() == 3);

            semaphore.resize(3); // two more permits: for the two that came first

            first.join(LIMIT);
            second.join(LIMIT);
            assertThat(served).containsExactlyInAnyOrder("first", "second");
            assertThat(semaphore.permits()).isEqualTo(3);
            assertThat(semaphore.waiting()).isEqualTo(1);
            assertThat(third.isAlive()).isTrue();

            semaphore.release();
            third.join(LIMIT);
            assertThat(served).containsExactlyInAnyOrder("first", "second", "third");
        }
    }

    @Test
    void permits_taken_away_by_a_resize_while_taken_are_taken_away_as_they_come_back() throws Exception {
        LoopAffineSemaphore semaphore = new LoopAffineSemaphore(3);
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> semaphore.tryAcquire(LIMIT),
                runnable -> Thread.ofPlatform().start(runnable));
        await().until(() -> semaphore.waiting() == 1);

        semaphore.resize(1); // three taken, one allowed: two releases pay the difference

        semaphore.release();
        semaphore.release();
        assertThat(semaphore.waiting()).isEqualTo(1);
        assertThat(waiting).isNotDone();
        semaphore.release(); // the one permit left is free again, and the waiter gets it
        assertThat(waiting.get()).isTrue();
        assertThat(semaphore.availablePermits()).isZero();

        semaphore.release();
        assertThat(semaphore.availablePermits()).isEqualTo(1);
        assertThatThrownBy(semaphore::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("all 1 permits are free");
    }

    @Test
    void a_resize_to_fewer_free_permits_leaves_fewer_to_take_and_below_one_is_refused() {
        LoopAffineSemaphore semaphore = new LoopAffineSemaphore(4);

        semaphore.resize(2);

        assertThat(semaphore.permits()).isEqualTo(2);
        assertThat(semaphore.availablePermits()).isEqualTo(2);
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(semaphore.tryAcquire(Duration.ZERO)).isFalse();
        assertThatThrownBy(() -> semaphore.resize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    private static Fiber<?> waiter(EventLoop loop, LoopAffineSemaphore semaphore, String name, List<String> served) {
        return Fiber.builder().loop(loop).start(() -> {
            assertThat(semaphore.tryAcquire(LIMIT)).isTrue();
            served.add(name);
        });
    }

    /** Two waiters queued one after the other must not share a System.nanoTime() reading. */
    private static void awaitNanoTimeMoves() {
        long start = System.nanoTime();
        await().until(() -> System.nanoTime() - start > 1_000);
    }
}
