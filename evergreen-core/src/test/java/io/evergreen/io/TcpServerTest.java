package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.sync.Event;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A {@link TcpServer} serves each connection in a fiber of its own, spread over the group's loops, closes
 * the stream when the handler ends, and shuts down gracefully: {@code close(grace)} refuses new connections
 * at once, lets live ones finish during the grace, then closes them, waking their blocked readers.
 */
class TcpServerTest {

    private static Socket connect(TcpServer server) throws IOException {
        Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort());
        client.setSoTimeout((int) WAIT.toMillis()); // a guard against a hanging test, not a timing assumption
        return client;
    }

    private static boolean refusesConnections(InetSocketAddress address) throws IOException {
        try (Socket probe = new Socket()) {
            probe.connect(address, (int) WAIT.toMillis());
            return false;
        } catch (ConnectException refused) {
            return true;
        }
    }

    private static String exchangeLine(Socket client, String line) throws IOException {
        client.getOutputStream().write((line + "\n").getBytes(US_ASCII));
        InputStream in = client.getInputStream();
        StringBuilder reply = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("End of stream after " + reply);
            }
            reply.append((char) c);
        }
        return reply.toString();
    }

    private static void echoLines(TcpStream stream) throws IOException {
        for (String line; (line = stream.readLine(1024)) != null; ) {
            stream.write((line + "\n").getBytes(US_ASCII));
        }
    }

    @Test
    void each_connection_is_served_by_a_fiber_of_its_own_spread_over_the_loops_of_the_group() throws Exception {
        Set<Fiber<?>> fibers = ConcurrentHashMap.newKeySet();
        Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 fibers.add(Fiber.current());
                 loops.add(Fiber.current().loop());
                 echoLines(stream);
             })) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket client = connect(server);
                    clients.add(client);
                    assertThat(exchangeLine(client, "hello " + i)).isEqualTo("hello " + i);
                }
                assertThat(fibers).hasSize(4);
                assertThat(loops).containsExactlyInAnyOrderElementsOf(new HashSet<>(group.loops()));
                assertThat(server.acceptedConnections()).isEqualTo(4);
                assertThat(server.liveConnections()).isEqualTo(4);
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
        }
    }

    @Test
    void the_stream_is_closed_when_the_handler_returns() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> stream.write("bye\n".getBytes(US_ASCII)));
             Socket client = connect(server)) {
            assertThat(client.getInputStream().readAllBytes()).isEqualTo("bye\n".getBytes(US_ASCII));
            await().atMost(WAIT).until(() -> server.liveConnections() == 0);
        }
    }

    @Test
    void a_handler_that_throws_ends_its_connection_and_the_server_serves_the_next() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 if ("fail".equals(stream.readLine(100))) {
                     throw new IllegalStateException("handler failure on purpose");
                 }
                 stream.write("served\n".getBytes(US_ASCII));
             })) {
            try (Socket failing = connect(server)) {
                failing.getOutputStream().write("fail\n".getBytes(US_ASCII));
                assertThat(failing.getInputStream().read()).isEqualTo(-1);
            }
            try (Socket next = connect(server)) {
                assertThat(exchangeLine(next, "hello")).isEqualTo("served");
            }
        }
    }

    @Test
    void close_returns_once_the_port_is_free_to_bind_again() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            TcpServer server = TcpServer.bind(group, Loopback.anyPort(), TcpServerTest::echoLines);
            InetSocketAddress address = server.localAddress();
            Loopback.closeWhileItsLoopIsHeld(group.loop(0), server::close);
            assertThat(refusesConnections(address)).isTrue();
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(address); // at once: no wait for the loop
            }
        }
    }

    /** The closing fiber parks while its own loop polls; the loop is not held meanwhile. */
    @Test
    void close_from_a_fiber_of_the_loop_that_watches_the_socket_returns_once_the_port_is_free() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            TcpServer server = TcpServer.bind(group, Loopback.anyPort(), TcpServerTest::echoLines);
            InetSocketAddress address = server.localAddress();
            Fiber<Void> closer = Fiber.builder().loop(group.loop(0)).start(() -> server.close(Duration.ZERO));
            closer.join(WAIT);
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(address);
            }
        }
    }

    /** A busy loop skips polls for a while; close must still wait for the poll that releases the port. */
    @Test
    void close_returns_once_the_port_is_free_while_a_fiber_keeps_its_loop_busy() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            AtomicBoolean busy = new AtomicBoolean(true);
            Fiber<Void> spinner = Fiber.builder().loop(group.loop(0)).start(() -> {
                while (busy.get()) {
                    Fiber.yieldNow();
                }
            });
            try {
                for (int round = 0; round < 20; round++) {
                    TcpServer server = TcpServer.bind(group, Loopback.anyPort(), TcpServerTest::echoLines);
                    InetSocketAddress address = server.localAddress();
                    server.close(Duration.ZERO);
                    try (ServerSocketChannel again = ServerSocketChannel.open()) {
                        again.bind(address);
                    }
                }
            } finally {
                busy.set(false);
                spinner.join(WAIT);
            }
        }
    }

    @Test
    void close_refuses_new_connections_while_live_ones_are_still_served_during_the_grace() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), TcpServerTest::echoLines);
             Socket live = connect(server)) {
            assertThat(exchangeLine(live, "before close")).isEqualTo("before close");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> server.close(Duration.ofSeconds(60)));
            await().atMost(WAIT).until(() -> refusesConnections(server.localAddress()));
            assertThat(exchangeLine(live, "during the grace")).isEqualTo("during the grace");
            assertThat(closing).isNotDone();
            live.close(); // the live connection ends: close no longer waits for it
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(server.liveConnections()).isZero();
        }
    }

    @Test
    void close_closes_the_connections_still_live_after_the_grace_waking_their_blocked_readers() throws Exception {
        Result<Throwable> readerOutcome = new Result<>();
        Event reading = new Event();
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 reading.set();
                 readerOutcome.complete(catchThrowable(() -> stream.readLine(100)));
             });
             Socket client = connect(server)) {
            assertThat(reading.await(WAIT)).isTrue();
            server.close(Duration.ofMillis(200));
            // Closing the stream wakes the reader, and cancelling its fiber may reach it first: either way the
            // reader is woken, not left parked on a socket that is gone.
            assertThat(readerOutcome.await(WAIT)).isInstanceOf(StreamClosedException.class);
            assertThat(server.liveConnections()).isZero();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void close_waits_no_longer_than_needed_for_connections_that_end_during_the_grace() throws Exception {
        Event release = new Event();
        Event handlerFinished = new Event();
        try (EventLoopGroup group = EventLoopGroup.create(1);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 release.await();
                 stream.write("finished\n".getBytes(US_ASCII));
                 handlerFinished.set();
             });
             Socket client = connect(server)) {
            await().atMost(WAIT).until(() -> server.liveConnections() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> server.close(Duration.ofSeconds(60)));
            await().atMost(WAIT).until(() -> refusesConnections(server.localAddress())); // the grace has begun
            release.set();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS); // well before the 60 s grace ends
            assertThat(handlerFinished.isSet()).isTrue();
            assertThat(client.getInputStream().readAllBytes()).isEqualTo("finished\n".getBytes(US_ASCII));
        }
    }
}
