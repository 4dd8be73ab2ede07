package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopStats;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static io.evergreen.testing.Waiting.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fiber's timed waits through the JDK ({@code Thread.sleep}, {@code parkNanos}, {@code Object.wait(ms)},
 * timed lock and condition waits) put their timeouts on the fiber's own loop timer heap, not on the JDK's
 * JVM-wide {@code VirtualThread-unparker} thread: the loop counts the timer while it is pending, fires it,
 * and drops it as soon as the thread is woken early.
 */
@Timeout(60)
class TimedWaitOnLoopTimerTest {

    private EventLoopGroup group;
    private EventLoop loop;
    private LoopStats stats;

    @BeforeEach
    void createLoop() {
        group = EventLoopGroup.create(1);
        loop = group.loop(0);
        stats = loop.stats();
    }

    @AfterEach
    void closeLoop() {
        group.close();
    }

    @Test
    void thread_sleep_in_a_fiber_is_a_timer_of_its_loop() {
        long firedBefore = stats.timersFired();

        Fiber<Void> sleeper = Fiber.builder().loop(loop).start(() -> {
            Thread.sleep(Duration.ofMillis(30));
            return null;
        });

        sleeper.join(LIMIT);
        assertThat(sleeper.state()).isEqualTo(FiberState.DONE);
        assertThat(stats.timersFired()).isGreaterThan(firedBefore);
        awaitNoTimerLeft();
    }

    @Test
    void a_sleep_interrupted_early_leaves_the_timer_heap_at_once() {
        Result<Boolean> interrupted = new Result<>();
        Fiber<Void> sleeper = Fiber.builder().loop(loop).start(() -> {
            try {
                Thread.sleep(Duration.ofHours(1));
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
        });
        await().atMost(LIMIT).until(() -> stats.timerQueueDepth() == 1 && sleeper.state() == FiberState.PARKED);

        sleeper.thread().interrupt();

        assertThat(interrupted.await(LIMIT)).isTrue();
        sleeper.join(LIMIT);
        awaitNoTimerLeft();
    }

    @Test
    void park_nanos_unparked_before_its_deadline_cancels_its_timer() {
        Fiber<Void> parker = Fiber.builder().loop(loop).start(() -> {
            LockSupport.parkNanos(TimeUnit.HOURS.toNanos(1));
            return null;
        });
        await().atMost(LIMIT).until(() -> stats.timerQueueDepth() == 1 && parker.state() == FiberState.PARKED);

        LockSupport.unpark(parker.thread());

        parker.join(LIMIT);
        awaitNoTimerLeft();
    }

    @Test
    void object_wait_with_a_timeout_times_out_on_the_loop() {
        Object monitor = new Object();
        long firedBefore = stats.timersFired();

        Fiber<Boolean> waiter = Fiber.builder().loop(loop).start(() -> {
            synchronized (monitor) {
                monitor.wait(20);
            }
            return true;
        });

        assertThat(waiter.join(LIMIT)).isTrue();
        assertThat(stats.timersFired()).isGreaterThan(firedBefore);
    }

    @Test
    void a_timed_condition_await_times_out_and_a_timed_try_lock_gives_up() {
        ReentrantLock lock = new ReentrantLock();
        Condition never = lock.newCondition();
        Result<Void> holding = new Result<>();
        Result<Void> release = new Result<>();
        Thread holder = Thread.ofPlatform().start(() -> {
            lock.lock();
            try {
                holding.complete(null);
                release.await(LIMIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                lock.unlock();
            }
        });
        holding.await(LIMIT);

        Fiber<Boolean> tryLocker = Fiber.builder().loop(loop).start(() -> lock.tryLock(20, TimeUnit.MILLISECONDS));
        assertThat(tryLocker.join(LIMIT)).isFalse();
        release.complete(null);
        joinQuietly(holder);

        Fiber<Boolean> awaiter = Fiber.builder().loop(loop).start(() -> {
            lock.lock();
            try {
                return never.await(20, TimeUnit.MILLISECONDS);
            } finally {
                lock.unlock();
            }
        });
        assertThat(awaiter.join(LIMIT)).isFalse();
        awaitNoTimerLeft();
    }

    @Test
    void a_virtual_thread_started_inside_a_fiber_sleeps_on_the_same_loop() {
        Result<String> wokeOn = new Result<>();

        Fiber<Boolean> parent = Fiber.builder().loop(loop).start(() -> {
            Thread child = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                    wokeOn.complete(Thread.currentThread().toString());
                }
            });
            while (stats.timerQueueDepth() == 0) {
                Fiber.yieldNow(); // the child runs on this loop: let it reach its sleep
            }
            child.interrupt();
            return child.join(LIMIT);
        });

        assertThat(parent.join(LIMIT)).isTrue();
        assertThat(wokeOn.await(LIMIT)).contains(loop.thread().getName());
        awaitNoTimerLeft();
    }

    /** The loop publishes its timer-heap depth once per iteration: wait for the iteration after the wake-up. */
    private void awaitNoTimerLeft() {
        await().atMost(LIMIT).until(() -> stats.timerQueueDepth() == 0);
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
