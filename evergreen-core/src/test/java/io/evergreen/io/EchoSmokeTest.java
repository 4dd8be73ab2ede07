package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EchoSmokeTest {

    @Test
    void echo_lines_from_fibers_and_a_platform_thread() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, new InetSocketAddress("127.0.0.1", 0), stream -> {
                 for (String line; (line = stream.readLine(1024)) != null; ) {
                     stream.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                 }
             })) {
            List<Fiber<?>> clients = new ArrayList<>();
            for (int c = 0; c < 100; c++) {
                int id = c;
                clients.add(Fiber.builder().loop(group.loop(c % 2)).start(() -> {
                    try (TcpStream s = TcpStream.connect(server.localAddress(), Duration.ofSeconds(5))) {
                        for (int i = 0; i < 100; i++) {
                            s.write(("hello " + id + " " + i + "\n").getBytes(StandardCharsets.UTF_8));
                            assertThat(s.readLine(1024)).isEqualTo("hello " + id + " " + i);
                        }
                    }
                    return null;
                }));
            }
            clients.forEach(f -> f.join(Duration.ofSeconds(30)));
        }
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, new InetSocketAddress("127.0.0.1", 0), stream -> {
                 ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                 while (stream.read(buffer.clear()) >= 0) {
                     stream.write(buffer.flip());
                 }
             })) {
            try (TcpStream s = TcpStream.connect(server.localAddress(), Duration.ofSeconds(5))) {
                byte[] big = new byte[5_000_000];
                new java.util.Random(1).nextBytes(big);
                for (int i = 0; i < big.length; i++) if (big[i] == '\n') big[i] = 'x';
                big[big.length - 1] = '\n';
                Fiber<byte[]> reader = Fiber.spawn(() -> s.readExactly(big.length));
                s.write(ByteBuffer.wrap(big));
                s.flush();
                // readExactly from a platform thread's fiber in the default group: cross-loop use.
                assertThat(reader.join(Duration.ofSeconds(30))).isEqualTo(big);
            }
        }
    }
}
