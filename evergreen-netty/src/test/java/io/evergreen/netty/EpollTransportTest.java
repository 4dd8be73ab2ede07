package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.io.TcpServer;
import io.evergreen.io.TcpStream;
import io.evergreen.io.UdpEndpoint;
import io.evergreen.loop.EventLoop;
import io.netty.channel.epoll.EpollServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Loops polling through Netty's native epoll transport serve Netty's epoll channels on the loop threads, and
 * refuse Evergreen's own sockets, which need a {@code java.nio} selector, with an exception that says so.
 * Skipped where epoll is not available.
 */
class EpollTransportTest {

    private NettyLoopGroup netty;

    @BeforeEach
    void startEpollLoops() {
        assumeThat(NettyTransport.EPOLL.isAvailable()).as("Netty's native epoll transport loads here").isTrue();
        netty = NettyLoops.start(2, NettyTransport.EPOLL);
    }

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void an_epoll_server_channel_is_served_on_the_loop_threads_and_fibers_answer_through_it() throws Exception {
        try (LineServer server = LineServer.bind(netty, EpollServerSocketChannel.class, (ctx, line) -> {
            EventLoop owner = netty.loopOf(ctx.channel().eventLoop());
            boolean readOnLoopThread = Thread.currentThread() == owner.thread();
            Fiber.builder().loop(owner).start(() -> {
                Fiber.sleep(Duration.ofMillis(10));
                ctx.writeAndFlush(line + " read on loop thread: " + readOnLoopThread + ", answered on loop: "
                        + (EventLoop.current() == owner) + "\n");
                return null;
            });
        })) {
            for (int i = 0; i < 4; i++) {
                assertThat(LineClient.exchange(server.address(), "epoll " + i))
                        .isEqualTo("epoll " + i + " read on loop thread: true, answered on loop: true");
            }
        }
    }

    @Test
    void a_tcp_server_on_epoll_loops_is_refused_with_an_illegal_state_exception_naming_the_need() {
        assertThatThrownBy(() -> TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(), stream -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SelectableChannelPoller");
    }

    @Test
    void a_tcp_stream_connected_from_a_fiber_of_an_epoll_loop_is_refused_with_an_illegal_state_exception()
            throws Exception {
        try (LineServer server = LineServer.bind(netty, EpollServerSocketChannel.class, (ctx, line) -> { })) {
            Throwable failure = Fiber.builder().loop(netty.loops().loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(server.address(), Duration.ofSeconds(5))))
                    .join(WAIT);
            assertThat(failure).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("SelectableChannelPoller");
        }
    }

    @Test
    void a_udp_endpoint_on_an_epoll_loop_is_refused_with_an_illegal_state_exception() {
        assertThatThrownBy(() -> UdpEndpoint.bind(netty.loops().loop(1), NettyLoops.anyLoopbackPort()).close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SelectableChannelPoller");
    }
}
