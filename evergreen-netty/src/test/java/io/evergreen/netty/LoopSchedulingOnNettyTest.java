package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Evergreen's scheduling (timers, ready callbacks, fibers) and Netty's (tasks, scheduled tasks) share the loop
 * thread: the poll phase sleeps until the earlier of the Evergreen loop's next timer and Netty's next scheduled
 * task, so neither waits for the other's activity to be woken.
 */
class LoopSchedulingOnNettyTest {

    private static final Duration SOON = Duration.ofMillis(50);
    private static final Duration FAR_AWAY = Duration.ofHours(1);

    private NettyLoopGroup netty;
    private EventLoop loop;
    private IoEventLoop ioLoop;

    @BeforeEach
    void startLoop() {
        netty = NettyLoops.start(1);
        loop = netty.loops().loop(0);
        ioLoop = netty.ioEventLoop(0);
    }

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    /** Waits until the loop has nothing to do and sleeps in its poll, so that what follows must wake it. */
    private void awaitLoopAsleep() {
        await().atMost(WAIT).until(() -> loop.stats().isPolling());
    }

    @Test
    void an_evergreen_timer_fires_on_the_loop_thread() throws Exception {
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        awaitLoopAsleep();
        loop.callLater(SOON, () -> firedOn.complete(Thread.currentThread()));
        assertThat(firedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @Test
    void evergreen_timers_fire_in_deadline_order() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> last = new CompletableFuture<>();
        loop.callLater(Duration.ofMillis(60), () -> {
            order.add(3);
            last.complete(null);
        });
        loop.callLater(Duration.ofMillis(20), () -> order.add(1));
        loop.callLater(Duration.ofMillis(40), () -> order.add(2));
        last.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(order).containsExactly(1, 2, 3);
    }

    @Test
    void call_soon_callbacks_run_on_the_loop_thread_in_the_order_queued() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        awaitLoopAsleep();
        loop.execute(() -> {
            loop.callSoon(() -> {
                ran.add("first " + loop.inLoop());
                loop.callSoon(() -> {
                    ran.add("queued by the first");
                    done.complete(null);
                });
            });
            loop.callSoon(() -> ran.add("second"));
        });
        done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(ran).containsExactly("first true", "second", "queued by the first");
    }

    @Test
    void fiber_sleep_resumes_the_fiber_on_its_loop_each_time() throws Exception {
        Fiber<List<Boolean>> sleeper = Fiber.builder().loop(loop).start(() -> {
            List<Boolean> onLoop = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Fiber.sleep(Duration.ofMillis(10));
                onLoop.add(EventLoop.current() == loop && loop.inLoop());
            }
            return onLoop;
        });
        assertThat(sleeper.join(WAIT)).containsExactly(true, true, true, true, true);
    }

    @Test
    void a_thousand_sleeping_fibers_all_wake() throws Exception {
        List<Fiber<Integer>> fibers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            fibers.add(Fiber.builder().loop(loop).start(() -> {
                Fiber.sleep(Duration.ofMillis(20));
                return n;
            }));
        }
        int sum = 0;
        for (Fiber<Integer> fiber : fibers) {
            sum += fiber.join(WAIT);
        }
        assertThat(sum).isEqualTo(999 * 1000 / 2);
    }

    @Test
    void a_netty_task_scheduled_on_the_loop_thread_fires_while_the_loop_sleeps() throws Exception {
        // Scheduled from the loop thread itself, the task wakes nobody: only the poll's deadline can run it.
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        loop.execute(() -> ioLoop.schedule(() -> firedOn.complete(Thread.currentThread()), SOON.toMillis(),
                TimeUnit.MILLISECONDS));
        assertThat(firedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @Test
    void a_netty_task_scheduled_from_another_thread_fires_on_the_loop_thread() throws Exception {
        awaitLoopAsleep();
        ScheduledFuture<Thread> fired = ioLoop.schedule(Thread::currentThread, SOON.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(fired.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @Test
    void a_periodic_netty_task_keeps_firing_on_an_otherwise_idle_loop() {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> periodic = ioLoop.scheduleAtFixedRate(runs::incrementAndGet, 10, 10, TimeUnit.MILLISECONDS);
        try {
            await().atMost(WAIT).until(() -> runs.get() >= 10);
        } finally {
            periodic.cancel(false);
        }
    }

    @Test
    void a_netty_task_due_first_fires_although_the_next_evergreen_timer_is_far_away() throws Exception {
        loop.callLater(FAR_AWAY, () -> { });
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        loop.execute(() -> ioLoop.schedule(() -> firedOn.complete(Thread.currentThread()), SOON.toMillis(),
                TimeUnit.MILLISECONDS));
        assertThat(firedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @Test
    void an_evergreen_timer_due_first_fires_although_the_next_netty_task_is_far_away() throws Exception {
        loop.execute(() -> ioLoop.schedule(() -> { }, FAR_AWAY.toMillis(), TimeUnit.MILLISECONDS));
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        loop.execute(() -> loop.callLater(SOON, () -> firedOn.complete(Thread.currentThread())));
        assertThat(firedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @Test
    void netty_tasks_and_evergreen_callbacks_interleave_on_one_thread_without_overlap() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Runnable exclusive = () -> {
            if (inside.incrementAndGet() != 1 || Thread.currentThread() != loop.thread()) {
                overlaps.incrementAndGet();
            }
            inside.decrementAndGet();
            done.incrementAndGet();
        };
        for (int i = 0; i < 10_000; i++) {
            if (i % 2 == 0) {
                ioLoop.execute(exclusive);
            } else {
                loop.execute(exclusive);
            }
        }
        await().atMost(WAIT).until(() -> done.get() == 10_000);
        assertThat(overlaps).hasValue(0);
    }
}
