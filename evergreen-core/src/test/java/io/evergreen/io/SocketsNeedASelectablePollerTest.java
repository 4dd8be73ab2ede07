package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.IoPoller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.locks.LockSupport;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static io.evergreen.io.Loopback.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * On loops whose poller does not serve {@code java.nio} channels (a Netty epoll loop, say), every Evergreen
 * socket is refused the same way: an {@link IllegalStateException} that names what the loop lacks, thrown before
 * anything is bound or connected.
 */
class SocketsNeedASelectablePollerTest {

    private EventLoopGroup group;

    @BeforeEach
    void startLoopsWithoutSelector() {
        group = EventLoopGroup.builder().loops(2).daemon(true).pollerFactory(ParkingPoller::new).build();
    }

    @AfterEach
    void closeLoops() {
        group.close();
    }

    @Test
    void a_tcp_server_is_refused_before_it_takes_the_port() throws Exception {
        try (ServerSocket probe = Loopback.plainListener()) {
            InetSocketAddress taken = (InetSocketAddress) probe.getLocalSocketAddress();
            // Had it bound first, binding a port in use would fail with an IOException instead.
            assertThatThrownBy(() -> TcpServer.bind(group, taken, stream -> { }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("SelectableChannelPoller")
                    .hasMessageContaining(ParkingPoller.class.getName());
        }
    }

    @Test
    void a_tcp_stream_connect_from_a_fiber_is_refused() throws Exception {
        try (ServerSocket listener = Loopback.plainListener()) {
            Throwable failure = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(listener.getLocalSocketAddress(), CONNECT_TIMEOUT)))
                    .join(WAIT);
            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("SelectableChannelPoller");
        }
    }

    @Test
    void a_udp_endpoint_is_refused() {
        assertThatThrownBy(() -> UdpEndpoint.bind(group.loop(1), Loopback.anyPort()).close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SelectableChannelPoller");
    }

    /** A poller with no selector at all: it sleeps until the timeout or a wake-up, and serves no channel. */
    private static final class ParkingPoller implements IoPoller {

        private volatile Thread loopThread;
        private volatile boolean woken;

        @Override
        public void attach(EventLoop loop) {
            loopThread = loop.thread();
        }

        @Override
        public int poll(long timeoutNanos) {
            if (timeoutNanos != 0 && !woken) {
                if (timeoutNanos < 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, timeoutNanos);
                }
            }
            woken = false;
            return 0;
        }

        @Override
        public void wakeup() {
            woken = true;
            LockSupport.unpark(loopThread);
        }

        @Override
        public void close() {
        }
    }
}
