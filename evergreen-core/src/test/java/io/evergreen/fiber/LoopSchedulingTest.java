package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the LOOP scheduler guarantees: one fiber at a time per loop, blocking parks the fiber and not the
 * loop, and a fiber never leaves its loop.
 */
class LoopSchedulingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Shared, deliberately non-atomic state of one loop's fibers. */
    private static final class Section {
        int inside;
        int maxInside;
        long counter;
        int overlaps;
    }

    @Test
    void fibers_of_one_loop_never_run_at_the_same_time() {
        int loops = 2;
        int fibersPerLoop = 200;
        int rounds = 50;
        try (EventLoopGroup group = EventLoopGroup.create(loops)) {
            List<Section> sections = new ArrayList<>();
            List<Fiber<?>> fibers = new ArrayList<>();
            for (EventLoop loop : group.loops()) {
                Section section = new Section();
                sections.add(section);
                for (int i = 0; i < fibersPerLoop; i++) {
                    fibers.add(Fiber.builder().loop(loop).start(() -> {
                        for (int r = 0; r < rounds; r++) {
                            enterCriticalSection(section);
                            // Park at random points between sections: sleeps, yields.
                            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                                Fiber.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextInt(200_000)));
                            } else {
                                Fiber.yieldNow();
                            }
                        }
                    }));
                }
            }
            fibers.forEach(f -> f.join(WAIT));
            for (Section section : sections) {
                assertThat(section.overlaps).as("fibers seen mid-section by another").isZero();
                assertThat(section.maxInside).as("running-count probe").isEqualTo(1);
                assertThat(section.counter).isEqualTo((long) fibersPerLoop * rounds);
            }
        }
    }

    /** A read-modify-write spread over many instructions: any concurrent fiber would corrupt it. */
    private static void enterCriticalSection(Section section) {
        if (section.inside != 0) {
            section.overlaps++;
        }
        section.inside++;
        section.maxInside = Math.max(section.maxInside, section.inside);
        long value = section.counter;
        for (int spin = 0; spin < 200; spin++) {
            Thread.onSpinWait();
        }
        section.counter = value + 1;
        section.inside--;
    }

    @Test
    void ten_thousand_fibers_on_one_loop_sleeping_in_the_jdk_all_complete_while_the_loop_runs_callbacks() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicInteger finished = new AtomicInteger();
            List<Fiber<?>> fibers = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                fibers.add(Fiber.builder().loop(loop).start(() -> {
                    Thread.sleep(300);
                    finished.incrementAndGet();
                    return null;
                }));
            }
            // While they sleep, the loop still runs callbacks.
            Result<Integer> seenByCallback = new Result<>();
            loop.callSoon(() -> seenByCallback.complete(finished.get()));
            assertThat(seenByCallback.await(WAIT)).isLessThan(10_000);
            fibers.forEach(f -> f.join(WAIT));
            assertThat(finished).hasValue(10_000);
        }
    }

    @Test
    void ten_thousand_fibers_on_one_loop_blocked_on_a_jdk_lock_all_complete() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            ReentrantLock lock = new ReentrantLock();
            AtomicInteger acquired = new AtomicInteger();
            List<Fiber<?>> fibers = new ArrayList<>();
            lock.lock();
            try {
                for (int i = 0; i < 10_000; i++) {
                    fibers.add(Fiber.builder().loop(loop).start(() -> {
                        lock.lock();
                        try {
                            acquired.incrementAndGet();
                        } finally {
                            lock.unlock();
                        }
                    }));
                }
                await().atMost(WAIT).until(() -> lock.getQueueLength() == 10_000);
                // Every fiber is parked on the lock, and the loop is free.
                Result<Boolean> callbackRan = new Result<>();
                loop.callSoon(() -> callbackRan.complete(true));
                assertThat(callbackRan.await(WAIT)).isTrue();
                assertThat(acquired).hasValue(0);
            } finally {
                lock.unlock();
            }
            fibers.forEach(f -> f.join(WAIT));
            assertThat(acquired).hasValue(10_000);
        }
    }

    @Test
    void ten_thousand_fibers_on_one_loop_sleeping_on_the_loop_timer_all_complete() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<Fiber<?>> fibers = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                fibers.add(Fiber.builder().loop(loop).start(() -> Fiber.sleep(Duration.ofMillis(100))));
            }
            fibers.forEach(f -> f.join(WAIT));
            assertThat(loop.stats().timersFired()).isGreaterThanOrEqualTo(10_000);
            await().atMost(WAIT).until(() -> loop.stats().timerQueueDepth() == 0);
        }
    }

    @Test
    void a_fiber_stays_on_its_loop_thread_across_parks() {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            ReentrantLock lock = new ReentrantLock();
            Event event = new Event();
            List<Fiber<List<String>>> fibers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                EventLoop loop = group.loop(i % 2);
                fibers.add(Fiber.builder().loop(loop).start(() -> {
                    List<String> carriers = new ArrayList<>();
                    carriers.add(carrierName());
                    Fiber.sleep(Duration.ofMillis(1));
                    carriers.add(carrierName());
                    Thread.sleep(1);
                    carriers.add(carrierName());
                    lock.lock();
                    try {
                        Fiber.yieldNow();
                        carriers.add(carrierName());
                    } finally {
                        lock.unlock();
                    }
                    event.await();
                    carriers.add(carrierName());
                    assertThat(loop.inLoop()).isTrue();
                    return carriers;
                }));
            }
            event.set();
            for (Fiber<List<String>> fiber : fibers) {
                assertThat(fiber.join(WAIT)).hasSize(5).containsOnly(fiber.loop().thread().getName());
            }
        }
    }

    /** A virtual thread's toString names its carrier while it is mounted: "VirtualThread[#22]/runnable@carrier". */
    private static String carrierName() {
        String description = Thread.currentThread().toString();
        return description.substring(description.lastIndexOf('@') + 1);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_exception_in_a_fiber_does_not_stop_its_loop(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            for (int i = 0; i < 100; i++) {
                Fiber.builder().loop(loop).start(() -> {
                    throw new OutOfMemoryError("not really");
                });
            }
            assertThat(Fiber.builder().loop(loop).start(() -> "still serving").join(WAIT)).isEqualTo("still serving");
            Result<String> callback = new Result<>();
            loop.callSoon(() -> callback.complete("callbacks too"));
            assertThat(callback.await(WAIT)).isEqualTo("callbacks too");
            await().atMost(WAIT).until(() -> loop.stats().fibersFailed() == 100);
        }
    }

    @Test
    void yield_now_lets_the_other_ready_fibers_of_the_loop_run() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            List<String> trace = new java.util.concurrent.CopyOnWriteArrayList<>();
            Fiber<?> parent = Fiber.builder().loop(group.loop(0)).start(() -> {
                Fiber<?> a = Fiber.spawn(() -> {
                    for (int i = 0; i < 3; i++) {
                        trace.add("a" + i);
                        Fiber.yieldNow();
                    }
                });
                Fiber<?> b = Fiber.spawn(() -> {
                    for (int i = 0; i < 3; i++) {
                        trace.add("b" + i);
                        Fiber.yieldNow();
                    }
                });
                a.join();
                b.join();
            });
            parent.join(WAIT);
            // Each yield hands the loop to the other fiber: the trace alternates (which one goes first is the
            // LIFO slot's business: the fiber spawned last runs first, as in Go's runnext).
            assertThat(trace).hasSize(6);
            for (int i = 1; i < trace.size(); i++) {
                assertThat(trace.get(i).charAt(0)).isNotEqualTo(trace.get(i - 1).charAt(0));
            }
        }
    }

    @Test
    void virtual_threads_created_inside_a_fiber_run_on_its_loop_without_disturbing_it() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop loop = group.loop(1);
            Fiber<List<String>> fiber = Fiber.builder().loop(loop).start(() -> {
                List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                List<Thread> children = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    children.add(Thread.ofVirtual().start(() -> {
                        for (int round = 0; round < 5; round++) {
                            seen.add(carrierName());
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        assertThat(Fiber.current()).as("a plain virtual thread is not a fiber").isNull();
                    }));
                }
                // The fiber keeps parking and waking while its children share its scheduler.
                for (int round = 0; round < 20; round++) {
                    Fiber.sleep(Duration.ofMillis(1));
                    seen.add(carrierName());
                }
                for (Thread child : children) {
                    child.join();
                }
                return seen;
            });
            assertThat(fiber.join(WAIT)).hasSize(20 * 5 + 20).containsOnly(loop.thread().getName());
        }
    }
}
