package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static io.evergreen.testing.Waiting.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A virtual thread created inside a fiber with {@code Thread.ofVirtual()} inherits the fiber's scheduler
 * (the JDK passes a virtual thread's scheduler on to the virtual threads it creates), so it lands on the
 * fiber's loop; the JDK's own virtual threads (its socket pollers, say) would too. Both must keep running.
 */
@Timeout(60)
class VirtualThreadInFiberTest {

    @Test
    void a_virtual_thread_started_inside_a_fiber_runs_on_the_fibers_loop() {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop loop = group.loop(1);
            Result<String> ranOn = new Result<>();

            boolean joined = Fiber.builder().loop(loop).start(() -> {
                Thread child = Thread.ofVirtual().start(() -> ranOn.complete(Thread.currentThread().toString()));
                return child.join(LIMIT);
            }).join(LIMIT);

            assertThat(joined).isTrue();
            assertThat(ranOn.await(LIMIT)).contains(loop.thread().getName());
        }
    }

    @Test
    void a_virtual_thread_started_inside_a_fiber_runs_while_the_fiber_keeps_running() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            Result<Void> childRan = new Result<>();

            Fiber<Boolean> parent = Fiber.builder().loop(group.loop(0)).start(() -> {
                Thread child = Thread.ofVirtual().start(() -> childRan.complete(null));
                // Ready at the same time as its child: both must get their turn.
                Fiber.yieldNow();
                return child.join(LIMIT);
            });

            assertThat(parent.join(LIMIT)).isTrue();
            assertThat(childRan.isDone()).isTrue();
        }
    }

    @Test
    void many_virtual_threads_started_inside_a_fiber_all_run() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            List<Integer> finished = Fiber.builder().loop(group.loop(0)).start(() -> {
                List<Result<Integer>> results = new ArrayList<>();
                List<Thread> children = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    int n = i;
                    Result<Integer> result = new Result<>();
                    results.add(result);
                    children.add(Thread.ofVirtual().start(() -> {
                        Thread.yield();
                        result.complete(n);
                    }));
                    if (i % 10 == 0) {
                        Fiber.yieldNow();
                    }
                }
                List<Integer> values = new ArrayList<>();
                for (Result<Integer> result : results) {
                    values.add(result.await(LIMIT));
                }
                for (Thread child : children) {
                    child.join();
                }
                return values;
            }).join(LIMIT);

            assertThat(finished).hasSize(100).doesNotHaveDuplicates();
        }
    }
}
