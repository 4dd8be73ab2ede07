package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static io.evergreen.io.Loopback.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A {@link TcpStream} talking to an echo {@link TcpServer}: what is written comes back, from any fiber or
 * thread. The basic exchange does not depend on the LOOP guarantee, so it holds in both scheduler modes.
 */
class TcpEchoTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void bytes_written_to_an_echo_server_come_back_unchanged(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode);
             TcpServer server = Loopback.echoServer(group)) {
            byte[] message = utf8("hello, evergreen");
            byte[] echoed = Fiber.builder().loop(group.loop(0)).start(() -> {
                try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                    stream.write(message);
                    return stream.readExactly(message.length);
                }
            }).join(WAIT);
            assertThat(echoed).isEqualTo(message);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void each_of_many_concurrent_connections_gets_its_own_lines_back(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode);
             TcpServer server = Loopback.echoServer(group)) {
            List<Fiber<List<String>>> clients = new ArrayList<>();
            for (int c = 0; c < 50; c++) {
                int client = c;
                clients.add(Fiber.builder().loop(group.loop(c % 2)).start(() -> {
                    List<String> replies = new ArrayList<>();
                    try (TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
                        for (int i = 0; i < 50; i++) {
                            stream.write(utf8("client " + client + " line " + i + "\n"));
                            replies.add(stream.readLine(1024));
                        }
                    }
                    return replies;
                }));
            }
            for (int c = 0; c < clients.size(); c++) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    expected.add("client " + c + " line " + i);
                }
                assertThat(clients.get(c).join(WAIT)).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void a_stream_connected_on_one_loop_works_from_a_fiber_of_another_loop() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = Loopback.echoServer(group);
             TcpStream stream = Fiber.builder().loop(group.loop(0))
                     .start(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)).join(WAIT)) {
            byte[] message = utf8("across loops");
            byte[] echoed = Fiber.builder().loop(group.loop(1)).start(() -> {
                stream.write(message);
                stream.flush();
                return stream.readExactly(message.length);
            }).join(WAIT);
            assertThat(stream.loop()).isSameAs(group.loop(0));
            assertThat(echoed).isEqualTo(message);
        }
    }

    @Test
    void a_stream_connected_in_a_fiber_works_from_a_platform_thread() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = Loopback.echoServer(group);
             TcpStream stream = Fiber.builder().loop(group.loop(0))
                     .start(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)).join(WAIT)) {
            byte[] message = utf8("from the test thread");
            stream.write(message);
            stream.flush();
            assertThat(stream.readExactly(message.length)).isEqualTo(message);
        }
    }

    @Test
    void a_stream_connected_from_a_platform_thread_lives_on_a_default_group_loop_and_works() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             TcpServer server = Loopback.echoServer(group);
             TcpStream stream = TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)) {
            byte[] message = utf8("no fiber at all");
            stream.write(ByteBuffer.wrap(message));
            assertThat(stream.readExactly(message.length)).isEqualTo(message);
            assertThat(stream.loop().group()).isSameAs(Fiber.defaultGroup());
        }
    }

    @Test
    void local_and_remote_addresses_are_still_known_after_close() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             TcpServer server = Loopback.echoServer(group)) {
            TcpStream stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)).join(WAIT);
            InetSocketAddress local = stream.localAddress();
            stream.close();
            assertThat(stream.isOpen()).isFalse();
            assertThat(stream.remoteAddress()).isEqualTo(server.localAddress());
            assertThat(stream.localAddress()).isEqualTo(local);
            assertThat(local.getPort()).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void connecting_to_a_port_where_nothing_listens_is_refused(SchedulerMode mode) {
        InetSocketAddress closed = Loopback.closedPort();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Fiber<Throwable> connector = Fiber.builder().loop(group.loop(0)).start(() ->
                    catchThrowable(() -> TcpStream.connect(closed, CONNECT_TIMEOUT)));
            assertThat(connector.join(WAIT)).isInstanceOf(ConnectException.class);
        }
    }
}
