package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.io.Datagram;
import io.evergreen.io.TcpServer;
import io.evergreen.io.TcpStream;
import io.evergreen.io.UdpEndpoint;
import io.evergreen.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.evergreen.netty.NettyLoops.WAIT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Evergreen's own sockets ({@link TcpServer}, {@link TcpStream}, {@link UdpEndpoint}) on loops that poll through
 * Netty's NIO transport: their channels sit in Netty's selector and work as on a plain Evergreen loop. Both ends
 * of every exchange live on such loops.
 */
class EvergreenSocketsOnNettyNioTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    private static byte[] line(String text) {
        return (text + "\n").getBytes(UTF_8);
    }

    private static void echoLines(TcpStream stream) throws IOException {
        for (String line; (line = stream.readLine(8192)) != null; ) {
            stream.write(line(line));
        }
    }

    @Test
    void tcp_echo_of_many_lines_over_many_connections_comes_back_intact() throws Exception {
        netty = NettyLoops.start(2);
        try (TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(),
                EvergreenSocketsOnNettyNioTest::echoLines)) {
            List<Fiber<List<String>>> clients = new ArrayList<>();
            for (int c = 0; c < 20; c++) {
                int client = c;
                clients.add(Fiber.builder().loop(netty.loops().loop(c % 2)).start(() -> {
                    List<String> replies = new ArrayList<>();
                    try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                        for (int i = 0; i < 200; i++) {
                            stream.write(line("client " + client + " line " + i));
                            replies.add(stream.readLine(8192));
                        }
                    }
                    return replies;
                }));
            }
            for (int c = 0; c < clients.size(); c++) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    expected.add("client " + c + " line " + i);
                }
                assertThat(clients.get(c).join(WAIT)).containsExactlyElementsOf(expected);
            }
            assertThat(server.acceptedConnections()).isEqualTo(20);
        }
    }

    @Test
    void a_large_write_is_echoed_whole_across_many_readiness_events() throws Exception {
        netty = NettyLoops.start(2);
        byte[] payload = new byte[4 * 1024 * 1024];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        try (TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(), stream -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (stream.read(buffer.clear()) >= 0) {
                stream.write(buffer.flip());
            }
        })) {
            byte[] echoed = Fiber.builder().loop(netty.loops().loop(0)).start(() -> {
                try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                    Fiber<Void> writer = Fiber.spawn(() -> {
                        stream.write(payload);
                        stream.flush();
                        return null;
                    });
                    byte[] back = stream.readExactly(payload.length);
                    writer.join(WAIT);
                    return back;
                }
            }).join(WAIT);
            assertThat(echoed).isEqualTo(payload);
        }
    }

    @Test
    void a_read_with_nothing_to_read_times_out_and_the_stream_stays_usable() throws Exception {
        netty = NettyLoops.start(2);
        try (TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(), stream -> {
            String request = stream.readLine(8192); // answers the second line only
            stream.write(line("late answer to " + request + " and " + stream.readLine(8192)));
            stream.flush();
        })) {
            String outcome = Fiber.builder().loop(netty.loops().loop(1)).start(() -> {
                try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                    stream.readTimeout(Duration.ofMillis(200));
                    stream.write(line("first"));
                    Throwable timeout = catchThrowable(() -> stream.readLine(8192));
                    stream.readTimeout(null);
                    stream.write(line("second"));
                    return timeout.getClass().getSimpleName() + ", then " + stream.readLine(8192);
                }
            }).join(WAIT);
            assertThat(outcome).isEqualTo(SocketTimeoutException.class.getSimpleName()
                    + ", then late answer to first and second");
        }
    }

    @Test
    void a_client_closing_its_stream_gives_the_server_end_of_stream() throws Exception {
        netty = NettyLoops.start(2);
        CompletableFuture<String> serverSaw = new CompletableFuture<>();
        try (TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(), stream -> {
            String hello = stream.readLine(8192);
            stream.write(line("bye " + hello));
            stream.flush();
            serverSaw.complete("after " + hello + ": " + stream.readLine(8192));
        })) {
            String clientSaw = Fiber.builder().loop(netty.loops().loop(0)).start(() -> {
                TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT);
                stream.write(line("client"));
                String bye = stream.readLine(8192);
                stream.close();
                return bye + ", open: " + stream.isOpen();
            }).join(WAIT);
            assertThat(clientSaw).isEqualTo("bye client, open: false");
            assertThat(serverSaw.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after client: null");
        }
    }

    @Test
    void a_server_handler_that_returns_closes_the_connection_and_the_client_reads_end_of_stream() throws Exception {
        netty = NettyLoops.start(2);
        try (TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(),
                stream -> stream.write(line("only " + stream.readLine(8192))))) {
            String clientSaw = Fiber.builder().loop(netty.loops().loop(1)).start(() -> {
                try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                    stream.write(line("once"));
                    return stream.readLine(8192) + ", then " + stream.readLine(8192);
                }
            }).join(WAIT);
            assertThat(clientSaw).isEqualTo("only once, then null");
        }
    }

    @Test
    void a_closed_tcp_server_refuses_new_connections() throws Exception {
        netty = NettyLoops.start(2);
        TcpServer server = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(),
                EvergreenSocketsOnNettyNioTest::echoLines);
        server.close(Duration.ofSeconds(1));
        // The JDK releases a listening socket registered with a selector at that selector's next poll, which the
        // close only asks for: until the acceptor loop has polled, the kernel may still take a connection.
        await().atMost(WAIT).untilAsserted(() -> {
            Throwable failure = Fiber.builder().loop(netty.loops().loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT).close()))
                    .join(WAIT);
            assertThat(failure).isInstanceOf(ConnectException.class);
        });
    }

    @Test
    void a_udp_datagram_goes_to_an_endpoint_on_another_loop_and_the_answer_comes_back() throws Exception {
        netty = NettyLoops.start(2);
        EventLoop first = netty.loops().loop(0);
        EventLoop second = netty.loops().loop(1);
        try (UdpEndpoint asking = UdpEndpoint.bind(first, NettyLoops.anyLoopbackPort());
             UdpEndpoint answering = UdpEndpoint.bind(second, NettyLoops.anyLoopbackPort())) {
            Fiber<Void> answerer = Fiber.builder().loop(second).start(() -> {
                for (int i = 0; i < 10; i++) {
                    Datagram question = answering.receive(WAIT);
                    answering.send(ByteBuffer.wrap(("pong " + UTF_8.decode(question.data())).getBytes(UTF_8)),
                            question.sender());
                }
                answering.flush();
                return null;
            });
            List<String> answers = Fiber.builder().loop(first).start(() -> {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    asking.send(ByteBuffer.wrap(("ping " + i).getBytes(UTF_8)), answering.localAddress());
                    Datagram answer = asking.receive(WAIT);
                    got.add(UTF_8.decode(answer.data()) + " from " + answer.sender().equals(answering.localAddress()));
                }
                return got;
            }).join(WAIT);
            answerer.join(WAIT);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("pong ping " + i + " from true");
            }
            assertThat(answers).containsExactlyElementsOf(expected);
        }
    }
}
