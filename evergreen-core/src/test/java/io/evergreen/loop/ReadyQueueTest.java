package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import static io.evergreen.testing.Waiting.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resumed work (a started fiber woken from a park) runs ahead of new work, so that a saturated loop finishes
 * what it began before it begins more; new work still gets a turn after a bounded run of resumptions.
 */
@Timeout(60)
class ReadyQueueTest {

    @Test
    void resumed_work_runs_ahead_of_new_work_each_lane_in_order() {
        ReadyQueue queue = new ReadyQueue();
        queue.add(task("new-1", false));
        queue.add(task("resumed-1", true));
        queue.add(task("new-2", false));
        queue.add(task("resumed-2", true));

        assertThat(drain(queue)).containsExactly("resumed-1", "resumed-2", "new-1", "new-2");
    }

    @Test
    void new_work_gets_a_turn_after_a_bounded_run_of_resumptions() {
        ReadyQueue queue = new ReadyQueue();
        queue.add(task("new", false));
        for (int i = 0; i < 2 * ReadyQueue.MAX_RESUMED_IN_A_ROW; i++) {
            queue.add(task("resumed-" + i, true));
        }

        List<String> order = drain(queue);

        assertThat(order.indexOf("new")).isEqualTo(ReadyQueue.MAX_RESUMED_IN_A_ROW);
        assertThat(order).hasSize(2 * ReadyQueue.MAX_RESUMED_IN_A_ROW + 1);
    }

    @Test
    void a_parked_fiber_woken_from_another_thread_runs_before_a_fiber_started_earlier() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            List<String> order = new CopyOnWriteArrayList<>();
            Fiber<Void> parked = Fiber.builder().loop(loop).start(() -> {
                LockSupport.park();
                order.add("resumed");
                return null;
            });
            await().atMost(LIMIT).until(() -> parked.state() == FiberState.PARKED);

            Fiber<Void> started;
            try (LoopBlocker _ = LoopBlocker.block(loop)) {
                started = Fiber.builder().loop(loop).start(() -> {
                    order.add("new");
                    return null;
                });
                LockSupport.unpark(parked.thread());
            }

            parked.join(LIMIT);
            started.join(LIMIT);
            assertThat(order).containsExactly("resumed", "new");
        }
    }

    private static List<String> drain(ReadyQueue queue) {
        List<String> order = new ArrayList<>();
        for (Runnable next; (next = queue.pollFirst()) != null; ) {
            order.add(next.toString());
        }
        return order;
    }

    private static MountedTask task(String name, boolean resumesWork) {
        return new MountedTask() {
            @Override
            public void run() {
            }

            @Override
            public Thread mountedThread() {
                return null;
            }

            @Override
            public LoopBound binding() {
                return null;
            }

            @Override
            public boolean resumesWork() {
                return resumesWork;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
