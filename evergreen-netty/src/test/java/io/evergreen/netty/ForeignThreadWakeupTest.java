package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Work handed to a sleeping loop from another thread wakes it, whether it goes through Netty ({@code execute} on
 * the Netty loop) or through Evergreen ({@code execute} on the Evergreen loop, a fiber unparked), on either
 * transport.
 */
class ForeignThreadWakeupTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    private EventLoop startAsleep(NettyTransport transport) {
        assumeThat(transport.isAvailable()).as(transport + " available here").isTrue();
        netty = NettyLoops.start(1, transport);
        EventLoop loop = netty.loops().loop(0);
        await().atMost(WAIT).until(() -> loop.stats().isPolling());
        return loop;
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void a_netty_task_from_another_thread_wakes_the_sleeping_loop(NettyTransport transport) throws Exception {
        EventLoop loop = startAsleep(transport);
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        netty.ioEventLoop(0).execute(() -> ranOn.complete(Thread.currentThread()));
        assertThat(ranOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void an_evergreen_callback_from_another_thread_wakes_the_sleeping_loop(NettyTransport transport) throws Exception {
        EventLoop loop = startAsleep(transport);
        long wakeupsBefore = loop.stats().wakeups();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        loop.execute(() -> ranOn.complete(Thread.currentThread()));
        assertThat(ranOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loop.thread());
        assertThat(loop.stats().wakeups()).isGreaterThan(wakeupsBefore);
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void a_fiber_parked_on_a_latch_is_resumed_by_a_platform_thread(NettyTransport transport) throws Exception {
        EventLoop loop = startAsleep(transport);
        CountDownLatch latch = new CountDownLatch(1);
        Fiber<Boolean> waiter = Fiber.builder().loop(loop).start(() -> latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        await().atMost(WAIT).until(() -> loop.stats().isPolling() && waiter.isAlive());
        latch.countDown();
        assertThat(waiter.join(WAIT)).isTrue();
    }

    /**
     * Back-to-back hand-offs, each one as the loop goes back to sleep after the previous: a wake-up that falls
     * between the Evergreen loop's last look at its queue and the Netty handler arming its sleep must not be
     * lost. (On epoll a bare {@code ManualIoEventLoop.wakeup()} lost one within some ten thousand rounds.)
     */
    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void no_wakeup_is_lost_when_callbacks_arrive_as_the_loop_goes_to_sleep(NettyTransport transport) {
        EventLoop loop = startAsleep(transport);
        AtomicLong ran = new AtomicLong();
        for (long handed = 1; handed <= 100_000; handed++) {
            loop.execute(ran::incrementAndGet);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ran.get() < handed) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("Callback " + handed + " was never run; the loop sleeps on it: "
                            + loop.stats());
                }
                Thread.onSpinWait();
            }
        }
    }
}
