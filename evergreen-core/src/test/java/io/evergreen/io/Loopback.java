package io.evergreen.io;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Servers, listeners and peers on the loopback interface for the io tests. Plain {@code java.net} sockets
 * play the peer that misbehaves on purpose: one that stops reading, resets, or never accepts.
 */
final class Loopback {

    /** Generous: long enough for a loaded 2-core machine, short enough to fail a stuck test quickly. */
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private Loopback() {
    }

    /** The loopback address with port 0: bind picks a free port. */
    static InetSocketAddress anyPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** A server that writes back every byte it reads, until end of stream. */
    static TcpServer echoServer(EventLoopGroup group) throws IOException {
        return TcpServer.bind(group, anyPort(), Loopback::echo);
    }

    static void echo(TcpStream stream) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (stream.read(buffer.clear()) >= 0) {
            stream.write(buffer.flip());
        }
    }

    /** A plain listener (accepting happens only when a test calls {@link ServerSocket#accept()}). */
    static ServerSocket plainListener() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /**
     * An address where nothing listens: connecting to it is refused. The port is taken below Linux's default
     * ephemeral range (32768..60999): a port inside it could be picked as the local port of one of many
     * connects to it, and a socket connecting to its own address and port connects to itself.
     */
    static InetSocketAddress closedPort() {
        for (int port = 20_000; port < 32_000; port++) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return (InetSocketAddress) probe.getLocalSocketAddress();
            } catch (IOException taken) {
                // Try the next one.
            }
        }
        throw new IllegalStateException("No free port below the ephemeral range");
    }

    /** Closes the socket with a reset (RST) instead of an orderly FIN: linger on, timeout 0. */
    static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Closes a bound socket from a platform thread while the loop that watches it is held by a callback, so that the
     * loop's selector cannot release the socket yet: close must still be waiting when seen parked, and must return
     * once the loop is let go. A close that returned while the socket was still held fails here.
     */
    static void closeWhileItsLoopIsHeld(EventLoop loop, Runnable close) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await();
        Thread closer;
        try {
            closer = Thread.ofPlatform().name("closer").start(close);
            await().atMost(WAIT).until(() -> closer.getState() == Thread.State.TIMED_WAITING || !closer.isAlive());
            assertThat(closer.isAlive()).as("close returned while the loop still held the socket").isTrue();
        } finally {
            letGo.countDown();
        }
        assertThat(closer.join(WAIT)).as("close returned once the loop was let go").isTrue();
    }

    /**
     * A listener that never accepts, with its backlog full, so that a new connect is neither accepted nor
     * refused: it hangs until the connector gives up.
     * <p>
     * What this relies on (Linux): {@code listen(fd, 1)} lets the accept queue hold up to 2 completed
     * connections; while it is full, the kernel drops incoming SYNs (counted as ListenOverflows), and the
     * connector only retransmits its SYN after a second. Rather than trusting the arithmetic, the backlog is
     * filled with blocking connects until one of them fails to complete within {@code probeTimeout}: from then
     * on this kernel is known to leave connects to this listener hanging. Loopback only, no unroutable
     * addresses, no dependence on the network.
     */
    static final class SaturatedListener implements AutoCloseable {

        private static final int MAX_FILLERS = 16;

        private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> fillers = new ArrayList<>();

        SaturatedListener(Duration probeTimeout) throws IOException {
            boolean saturated = false;
            try {
                while (!saturated && fillers.size() < MAX_FILLERS) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(address(), (int) probeTimeout.toMillis());
                        fillers.add(filler);
                    } catch (SocketTimeoutException hangs) {
                        filler.close();
                        saturated = true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
            if (!saturated) {
                close();
            }
            assumeThat(saturated).as("a connect to a listener with a full backlog hangs on this kernel ("
                    + MAX_FILLERS + " connects completed)").isTrue();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            for (Socket filler : fillers) {
                filler.close();
            }
            listener.close();
        }
    }

    /**
     * A plain listener whose every connection is reset by the peer: it accepts, reads one byte (so that the
     * connector is already waiting for a reply) and closes with linger 0, which sends RST. Serves on a platform
     * thread of its own until closed.
     */
    static final class ResettingListener implements AutoCloseable {

        private final ServerSocket listener;
        private final Thread acceptor;

        ResettingListener() throws IOException {
            listener = plainListener();
            acceptor = Thread.ofPlatform().name("resetting-listener").daemon(true).start(this::serve);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        private void serve() {
            while (!listener.isClosed()) {
                try (Socket peer = listener.accept()) {
                    peer.setSoTimeout((int) WAIT.toMillis());
                    peer.getInputStream().read();
                    reset(peer);
                } catch (IOException closedOrBroken) {
                    // The listener was closed (the loop ends), or one connector misbehaved (it finds out itself).
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            try {
                acceptor.join(WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
