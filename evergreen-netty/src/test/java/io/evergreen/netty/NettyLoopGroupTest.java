package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

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
     * Netty counts only the loop thread as inside its event loop: a fiber mounted on that thread is another
     * thread to it, so a fiber's writes and channel operations go through Netty's task queue and wake the loop.
     */
    @Test
    void netty_sees_the_loop_thread_inside_its_event_loop_and_a_fiber_of_that_loop_outside() throws Exception {
        netty = NettyLoops.start(1);
        EventLoop loop = netty.loops().loop(0);
        IoEventLoop ioLoop = netty.ioEventLoop(0);
        boolean fromLoopThread = NettyLoops.onLoopThread(loop, () -> ioLoop.inEventLoop());
        boolean fromFiber = Fiber.builder().loop(loop).start(() -> ioLoop.inEventLoop()).join(WAIT);
        assertThat(fromLoopThread).isTrue();
        assertThat(fromFiber).isFalse();
        assertThat(ioLoop.inEventLoop()).isFalse();
        assertThat(ioLoop.inEventLoop(loop.thread())).isTrue();
    }

    @Test
    void the_group_describes_its_transport_and_loops() {
        netty = NettyLoops.start(2);
        assertThat(netty.toString()).contains("NIO").contains("2 loops");
        assertThat(netty.loops().loop(0).poller().toString()).contains(netty.loops().loop(0).thread().getName())
                .contains("NioIoHandler");
    }
}
