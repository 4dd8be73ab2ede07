package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fibers using the JDK's own blocking sockets (DESIGN.md §2, hazard 1). A virtual thread blocked on a JDK
 * socket is woken by the JDK's poller threads; had those been started from a fiber they would inherit its
 * loop as their scheduler, and one busy loop would stall every JDK socket of the JVM.
 */
@Timeout(90)
class JdkSocketPollerTest {

    @Test
    void fibers_finish_jdk_socket_round_trips_while_another_loop_of_their_group_is_busy() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             EchoServer server = EchoServer.start()) {
            EventLoop busyLoop = group.loop(0);
            EventLoop freeLoop = group.loop(1);
            // The first fiber of the test to block on a JDK socket lives on the loop that is then made busy.
            assertThat(Fiber.builder().loop(busyLoop).start(() -> roundTrip(server.address(), "first")).join(LIMIT))
                    .isEqualTo("first");

            List<Fiber<String>> onBusyLoop = new ArrayList<>();
            List<Fiber<String>> onFreeLoop = new ArrayList<>();
            try (LoopBlocker _ = LoopBlocker.block(busyLoop)) {
                for (int i = 0; i < 5; i++) {
                    String message = "busy-" + i;
                    onBusyLoop.add(Fiber.builder().loop(busyLoop).start(() -> roundTrip(server.address(), message)));
                }
                for (int i = 0; i < 20; i++) {
                    String message = "free-" + i;
                    onFreeLoop.add(Fiber.builder().loop(freeLoop).start(() -> roundTrip(server.address(), message)));
                }

                for (int i = 0; i < onFreeLoop.size(); i++) {
                    assertThat(onFreeLoop.get(i).join(LIMIT)).isEqualTo("free-" + i);
                }
                assertThat(onBusyLoop).noneMatch(Fiber::isDone);
            }

            for (int i = 0; i < onBusyLoop.size(); i++) {
                assertThat(onBusyLoop.get(i).join(LIMIT)).isEqualTo("busy-" + i);
            }
        }
    }

    @Test
    void a_thousand_fibers_on_one_loop_blocked_in_jdk_socket_reads_all_complete_once_data_is_written()
            throws Exception {
        int fibers = 1_000;
        try (EventLoopGroup group = EventLoopGroup.create(1);
             ServerSocket server = new ServerSocket(0, fibers * 2, InetAddress.getLoopbackAddress())) {
            EventLoop loop = group.loop(0);
            BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
            Thread acceptor = Thread.ofPlatform().name("test-acceptor").start(() -> {
                try {
                    for (int i = 0; i < fibers; i++) {
                        accepted.add(server.accept());
                    }
                } catch (IOException e) {
                    // The server socket was closed: the test has ended.
                }
            });
            AtomicInteger reading = new AtomicInteger();
            List<Fiber<Integer>> readers = new ArrayList<>(fibers);
            for (int i = 0; i < fibers; i++) {
                readers.add(Fiber.builder().loop(loop).start(() -> {
                    try (Socket socket = new Socket(server.getInetAddress(), server.getLocalPort())) {
                        reading.incrementAndGet();
                        return socket.getInputStream().read();
                    }
                }));
            }
            await().until(() -> reading.get() == fibers && accepted.size() == fibers);
            await().until(() -> readers.stream().allMatch(f -> f.state() == FiberState.PARKED));

            List<Socket> serverSides = new ArrayList<>(accepted);
            try {
                for (int i = 0; i < serverSides.size(); i++) {
                    serverSides.get(i).getOutputStream().write(i % 128);
                }

                for (Fiber<Integer> reader : readers) {
                    assertThat(reader.join(LIMIT)).isBetween(0, 127);
                }
                assertThat(readers).extracting(Fiber::state).containsOnly(FiberState.DONE);
            } finally {
                for (Socket socket : serverSides) {
                    socket.close();
                }
                acceptor.join(LIMIT);
            }
        }
    }

    /** Sends one line and returns the line the server echoes, all with the JDK's blocking socket API. */
    private static String roundTrip(SocketAddress server, String message) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server);
            OutputStream out = socket.getOutputStream();
            out.write((message + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            return in.readLine();
        }
    }

    /** A line echo server on loopback, served by platform threads (one per connection). */
    private static final class EchoServer implements AutoCloseable {

        private final ServerSocket socket;
        private final Thread acceptor;
        private final List<Thread> handlers = new ArrayList<>();

        private EchoServer(ServerSocket socket) {
            this.socket = socket;
            this.acceptor = Thread.ofPlatform().name("test-echo-acceptor").start(this::acceptLoop);
        }

        static EchoServer start() throws IOException {
            return new EchoServer(new ServerSocket(0, 100, InetAddress.getLoopbackAddress()));
        }

        SocketAddress address() {
            return socket.getLocalSocketAddress();
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket connection = socket.accept();
                    Thread handler = Thread.ofPlatform().name("test-echo-handler").start(() -> echo(connection));
                    synchronized (handlers) {
                        handlers.add(handler);
                    }
                }
            } catch (IOException e) {
                // Closed: the test has ended.
            }
        }

        private static void echo(Socket connection) {
            try (connection) {
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = connection.getOutputStream();
                for (String line; (line = in.readLine()) != null; ) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Stops accepting and waits for the handlers, which end as their clients close. */
        @Override
        public void close() throws IOException {
            socket.close();
            List<Thread> started;
            try {
                acceptor.join(LIMIT);
                synchronized (handlers) {
                    started = List.copyOf(handlers);
                }
                for (Thread handler : started) {
                    handler.join(LIMIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
