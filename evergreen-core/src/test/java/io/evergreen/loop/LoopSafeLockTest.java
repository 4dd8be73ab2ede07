package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class LoopSafeLockTest {

    @Test
    void a_loop_thread_gets_the_lock_that_a_fiber_of_its_own_queued_for_first() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            LoopSafeLock lock = new LoopSafeLock();
            AtomicBoolean fiberHeldIt = new AtomicBoolean();
            CountDownLatch loopHeldIt = new CountDownLatch(1);
            lock.lock();
            try {
                Fiber<Void> queued = Fiber.builder().loop(loop).start(() -> holdBriefly(lock, () -> fiberHeldIt.set(true)));
                awaitParked(queued);
                loop.execute(() -> holdBriefly(lock, loopHeldIt::countDown));
                await().alias("the loop thread waits for the lock")
                        .until(() -> Arrays.stream(loop.thread().getStackTrace())
                                .anyMatch(frame -> frame.getClassName().equals(LoopSafeLock.class.getName())));
            } finally {
                lock.unlock();
            }

            // A lock that parked the loop thread would now wake the fiber queued first, which needs that very thread.
            assertThat(loopHeldIt.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            await().untilTrue(fiberHeldIt);
            assertThat(lock.isHeldByCurrentThread()).isFalse();
        }
    }

    @Test
    void fibers_and_threads_take_turns() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            LoopSafeLock lock = new LoopSafeLock();
            int[] counter = {0};
            int perTaker = 2_000;
            CountDownLatch done = new CountDownLatch(4);
            Runnable increments = () -> {
                for (int i = 0; i < perTaker; i++) {
                    holdBriefly(lock, () -> counter[0]++);
                }
                done.countDown();
            };
            Fiber.builder().loop(group.loop(0)).start(increments);
            Fiber.builder().loop(group.loop(1)).start(increments);
            group.loop(1).execute(increments);
            Thread.ofPlatform().start(increments);

            assertThat(done.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            lock.lock();
            try {
                assertThat(counter[0]).isEqualTo(4 * perTaker);
            } finally {
                lock.unlock();
            }
        }
    }

    private static void holdBriefly(LoopSafeLock lock, Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }
}
