package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a {@link NettyLoopGroup} pairs Evergreen loops with Netty loops: one Netty loop per Evergreen loop, found
 * from either side, handed out round robin, and driven by the Evergreen loop's thread alone.
 */
class NettyLoopGroupTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void each_evergreen_loop_drives_a_netty_loop_of_its_own_found_from_either_side() {
        netty = NettyLoops.start(3);
        List<IoEventLoop> ioLoops = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EventLoop loop = netty.loops().loop(i);
            IoEventLoop ioLoop = netty.ioEventLoop(i);
            ioLoops.add(ioLoop);
            assertThat(netty.loopOf(ioLoop)).isSameAs(loop);
            assertThat(NettyLoopGroup.ioEventLoopOf(loop)).isSameAs(ioLoop);
            assertThat(ioLoop.parent()).isSameAs(netty);
        }
        assertThat(new HashSet<>(ioLoops)).hasSize(3);
        List<EventExecutor> iterated = new ArrayList<>();
        netty.iterator().forEachRemaining(iterated::add);
        assertThat(iterated).containsExactlyElementsOf(ioLoops);
    }

    @Test
    void next_hands_out_the_netty_loops_round_robin() {
        netty = NettyLoops.start(3);
        IoEventLoop first = netty.next();
        int firstIndex = netty.loopOf(first).index();
        for (int i = 1; i <= 6; i++) {
            assertThat(netty.loopOf(netty.next()).index()).isEqualTo((firstIndex + i) % 3);
        }
    }

    @Test
    void executors_and_loops_from_elsewhere_are_not_mapped() {
        netty = NettyLoops.start(1);
        try (EventLoopGroup plain = EventLoopGroup.builder().loops(1).daemon(true).build()) {
            assertThat(netty.loopOf(GlobalEventExecutor.INSTANCE)).isNull();
            assertThat(NettyLoopGroup.ioEventLoopOf(plain.loop(0))).isNull();
        }
    }

    /**
     * Netty counts only the loop thread as inside its event loop: a fiber mounted on that thread is another thread
     * to it, so its writes go through Netty's task queue, but one that needs no wake-up (see NettyIoPoller).
     */
    @Test
    void a_fiber_is_outside_nettys_event_loop_but_needs_no_wakeup_from_it() throws Exception {
        netty = NettyLoops.start(2);
        EventLoop loop = netty.loops().loop(0);
        IoEventLoop ioLoop = netty.ioEventLoop(0);

        boolean fromLoopThread = NettyLoops.onLoopThread(loop, () -> ioLoop.inEventLoop());
        List<Boolean> fromFiber = Fiber.builder().loop(loop).start(() -> {
            boolean before = ioLoop.inEventLoop();
            boolean executorBefore = ioLoop.isExecutorThread(Thread.currentThread());
            Fiber.sleep(Duration.ofMillis(1));
            return List.of(before, executorBefore, ioLoop.isExecutorThread(Thread.currentThread()));
        }).join(WAIT);
        boolean fromOtherLoopsFiber = Fiber.builder().loop(netty.loops().loop(1))
                .start(() -> ioLoop.isExecutorThread(Thread.currentThread())).join(WAIT);

        assertThat(fromLoopThread).isTrue();
        // Outside: Netty refuses sync() on its event loop, and a fiber may block. Its own thread, for wake-ups.
        assertThat(fromFiber).containsExactly(false, true, true);
        assertThat(fromOtherLoopsFiber).isFalse();
        assertThat(ioLoop.inEventLoop()).isFalse();
        assertThat(ioLoop.isExecutorThread(Thread.currentThread())).isFalse();
        assertThat(ioLoop.inEventLoop(loop.thread())).isTrue();
    }

    @Test
    void a_fiber_may_wait_on_a_netty_future_of_its_own_loop() throws Exception {
        netty = NettyLoops.start(1);
        NioSocketChannel channel = new NioSocketChannel();
        boolean registered = Fiber.builder().loop(netty.loops().loop(0))
                .start(() -> netty.ioEventLoop(0).register(channel).sync().isSuccess()).join(WAIT);
        assertThat(registered).isTrue();
        channel.close().sync();
    }

    @Test
    void writes_of_a_fiber_run_on_its_loop_thread_whichever_loop_the_fiber_is_on() throws Exception {
        netty = NettyLoops.start(2);
        EventLoop loop = netty.loops().loop(0);
        List<Thread> writers = new CopyOnWriteArrayList<>();
        NioSocketChannel channel = new NioSocketChannel();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
                writers.add(Thread.currentThread()); // swallowed: the channel is not connected
                promise.setSuccess();
            }
        });
        netty.ioEventLoop(0).register(channel).sync();

        Fiber.builder().loop(loop).start(() -> channel.write("from a fiber of the channel's loop").sync()).join(WAIT);
        Fiber.builder().loop(netty.loops().loop(1)).start(() -> channel.write("from a fiber of another loop").sync())
                .join(WAIT);

        assertThat(writers).containsExactly(loop.thread(), loop.thread());
        channel.close().sync();
    }

    @Test
    void the_group_describes_its_transport_and_loops() {
        netty = NettyLoops.start(2);
        assertThat(netty.toString()).contains("NIO").contains("2 loops");
        assertThat(netty.loops().loop(0).poller().toString()).contains(netty.loops().loop(0).thread().getName())
                .contains("NioIoHandler");
    }
}
