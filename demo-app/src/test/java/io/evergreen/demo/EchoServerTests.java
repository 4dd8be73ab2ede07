package io.evergreen.demo;

import io.evergreen.demo.echo.EchoServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The line echo server on Evergreen's own sockets, as {@code nc} sees it: plain blocking client sockets with a
 * read timeout, so that a server that never answers fails the test instead of hanging it.
 */
class EchoServerTests extends AbstractDemoAppTests {

    private static final int CLIENTS = 50;
    private static final int LINES = 20;

    @Autowired
    EchoServer echo;

    @Test
    void linesComeBackInOrder() throws IOException {
        try (Client client = new Client(echo.port())) {
            client.send("hello\nworld\n");

            assertThat(client.readLine()).isEqualTo("hello");
            assertThat(client.readLine()).isEqualTo("world");

            client.send("crlf\r\n\nünïcödé\n");
            assertThat(client.readLine()).isEqualTo("crlf");
            assertThat(client.readLine()).isEmpty();
            assertThat(client.readLine()).isEqualTo("ünïcödé");
        }
    }

    /**
     * The limit counts the line feed: a line that fills it with its terminator is echoed, one byte more is
     * refused.
     */
    @Test
    void theLimitCountsTheLineFeed() throws IOException {
        String fits = "y".repeat(ECHO_MAX_LINE_BYTES - 1);
        try (Client client = new Client(echo.port())) {
            client.send(fits + "\n");
            assertThat(client.readLine()).isEqualTo(fits);

            client.send(fits + "y\n");
            assertThat(client.readLine()).isEqualTo("error: line longer than " + ECHO_MAX_LINE_BYTES + " bytes");
            assertClosedByServer(client);
        }
    }

    @Test
    void aLineOverTheLimitGetsAnErrorAndTheConnectionCloses() throws IOException {
        try (Client client = new Client(echo.port())) {
            client.send("short\n" + "x".repeat(ECHO_MAX_LINE_BYTES * 2) + "\n");

            assertThat(client.readLine()).isEqualTo("short");
            assertThat(client.readLine()).isEqualTo("error: line longer than " + ECHO_MAX_LINE_BYTES + " bytes");
            assertClosedByServer(client);
        }
    }

    /**
     * End of stream, or a reset: the server closes without reading what is left of the long line, and a close
     * with unread data may go out as a reset.
     */
    private static void assertClosedByServer(Client client) {
        try {
            assertThat(client.readLine()).isNull();
        } catch (SocketException reset) {
            assertThat(reset).hasMessageContaining("reset");
        } catch (IOException e) {
            throw new AssertionError("expected the server to close the connection", e);
        }
    }

    /** All clients are connected and served at once: each waits for the others after its first echo. */
    @Test
    void concurrentClientsAreEachEchoedCorrectly() throws Exception {
        CyclicBarrier allConnected = new CyclicBarrier(CLIENTS);
        int port = echo.port();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int clientIndex = c;
                results.add(executor.submit(() -> {
                    List<String> echoed = new ArrayList<>();
                    try (Client client = new Client(port)) {
                        for (int line = 0; line < LINES; line++) {
                            client.send("client-" + clientIndex + " line-" + line + "\n");
                            echoed.add(client.readLine());
                            if (line == 0) {
                                allConnected.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                            }
                        }
                    }
                    return echoed;
                }));
            }
            for (int c = 0; c < CLIENTS; c++) {
                List<String> expected = new ArrayList<>();
                for (int line = 0; line < LINES; line++) {
                    expected.add("client-" + c + " line-" + line);
                }
                assertThat(results.get(c).get(PATIENCE.toSeconds() + 30, TimeUnit.SECONDS)).containsExactlyElementsOf(expected);
            }
        }
    }

    private static final class Client implements AutoCloseable {

        private final Socket socket = new Socket();
        private final BufferedReader reader;
        private final OutputStream out;

        Client(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) PATIENCE.toMillis());
            socket.setSoTimeout((int) PATIENCE.toMillis());
            reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String readLine() throws IOException {
            return reader.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
