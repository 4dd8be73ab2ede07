package io.evergreen.spring.web;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.spring.tomcat.Http11LoopProtocol;
import io.evergreen.spring.tomcat.LoopEndpoint;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

import com.jayway.jsonpath.JsonPath;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The loop connector at the level of bytes on a socket: keep-alive and pipelining on one connection, request bodies
 * and responses larger than the sockets' buffers (so that reads and writes park their fiber and the loop wakes it),
 * the keep-alive timeout, {@code Connection: close}, a malformed request, and connections counted out when they end.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Tomcat.class, LoopConnectorTests.Payloads.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.connector=loop", "server.tomcat.keep-alive-timeout=1s",
                "server.tomcat.max-swallow-size=-1", "spring.servlet.multipart.enabled=false" })
class LoopConnectorTests {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SOCKET_TIMEOUT_MILLIS = 60_000;

    @LocalServerPort
    private int port;

    @Autowired
    private ConfigurableApplicationContext context;

    @Test
    void manyRequestsOnOneConnectionAreServedInTurnOnTheLoopThatPollsIt() throws Exception {
        try (Socket socket = connect()) {
            Set<Integer> loops = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                send(socket, get("/fiber"));
                Response response = Response.read(socket.getInputStream());
                assertThat(response.status).isEqualTo(200);
                assertThat(JsonPath.<Boolean>read(response.text(), "$.fiber")).isTrue();
                loops.add(JsonPath.read(response.text(), "$.loop"));
            }
            assertThat(loops).hasSize(1);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket socket = connect()) {
            send(socket, get("/echo-query?value=first") + get("/echo-query?value=second") + get("/echo-query?value=third"));
            InputStream in = socket.getInputStream();
            assertThat(Response.read(in).text()).isEqualTo("first");
            assertThat(Response.read(in).text()).isEqualTo("second");
            assertThat(Response.read(in).text()).isEqualTo("third");
        }
    }

    @Test
    void aRequestBodyThatArrivesLaterParksItsFiberUntilItDoes() throws Exception {
        byte[] body = pattern(8 * 1024 * 1024);
        int firstPart = 1024 * 1024;
        try (Socket socket = connect()) {
            send(socket, "POST /crc HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(body, 0, firstPart);
            out.flush();
            awaitParkedOnItsConnection();
            out.write(body, firstPart, body.length - firstPart);
            out.flush();
            Response response = Response.read(socket.getInputStream());
            assertThat(response.status).isEqualTo(200);
            assertThat(response.text()).isEqualTo(body.length + " " + crc(body));
        }
    }

    @Test
    void aResponseLargerThanTheSocketBuffersParksItsFiberUntilTheClientReads() throws Exception {
        int size = 32 * 1024 * 1024;
        try (Socket socket = connect()) {
            send(socket, get("/bytes?size=" + size));
            awaitParkedOnItsConnection();
            Response response = Response.read(socket.getInputStream());
            assertThat(response.status).isEqualTo(200);
            assertThat(response.body).hasSize(size);
            assertThat(crc(response.body)).isEqualTo(crc(pattern(size)));
            // The connection still serves the next request after the long write.
            send(socket, get("/echo-query?value=after"));
            assertThat(Response.read(socket.getInputStream()).text()).isEqualTo("after");
        }
    }

    /** Waits until the fiber of the request in progress is parked on its connection: a read or write waits. */
    private static void awaitParkedOnItsConnection() {
        await().atMost(WAIT).until(() -> {
            Fiber<?> fiber = Payloads.handling;
            return fiber != null && fiber.state() == FiberState.PARKED && fiber.parkBlocker() != null
                    && fiber.parkBlocker().getClass().getSimpleName().equals("LoopSocketWrapper");
        });
    }

    @Test
    void anIdleConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
        try (Socket socket = connect()) {
            send(socket, get("/echo-query?value=once"));
            InputStream in = socket.getInputStream();
            assertThat(Response.read(in).text()).isEqualTo("once");
            // Nothing more is sent: the server closes the connection once it has been idle for a second.
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void connectionCloseEndsTheConnectionAfterTheResponse() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /echo-query?value=bye HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(Response.read(in).text()).isEqualTo("bye");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aMalformedRequestIsAnsweredWith400AndTheConnectionClosed() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /echo-query?value=x HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(Response.read(in).status).isEqualTo(400);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aClientThatGoesAwayMidRequestLeavesNoConnectionBehind() throws Exception {
        LoopEndpoint endpoint = endpoint();
        try (Socket socket = connect()) {
            send(socket, "POST /crc HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\npartial");
            await().atMost(WAIT).until(() -> !endpoint.openConnections().isEmpty());
        }
        await().atMost(WAIT).until(() -> endpoint.openConnections().isEmpty());
        try (Socket socket = connect()) {
            send(socket, get("/echo-query?value=still"));
            assertThat(Response.read(socket.getInputStream()).text()).isEqualTo("still");
        }
    }

    /**
     * A loop polls only between callbacks, so a fiber that holds its loop (a CPU-bound handler here) would hold every
     * connection the loop polls. Once the watchdog reports the loop held, its idle connections move to the other
     * loop, and new connections avoid it.
     */
    @Test
    void whileALoopIsHeldItsIdleConnectionsAndNewOnesAreServedByTheOtherLoop() throws Exception {
        try (Socket hogConnection = connect(); Socket idle = connectOnTheSameLoopAs(hogConnection)) {
            int heldLoop = loopOf(hogConnection);
            Payloads.releaseHog = false;
            send(hogConnection, get("/hog"));
            await().atMost(WAIT).until(() -> Payloads.hogging);
            try {
                assertThat(loopOf(idle)).as("the loop serving the idle connection now").isEqualTo(1 - heldLoop);
                for (int i = 0; i < 2; i++) {
                    try (Socket fresh = connect()) {
                        assertThat(loopOf(fresh)).as("the loop serving a new connection").isEqualTo(1 - heldLoop);
                    }
                }
                assertThat(Payloads.hogging).as("the hog still holds its loop").isTrue();
            } finally {
                Payloads.releaseHog = true;
            }
            assertThat(Response.read(hogConnection.getInputStream()).text()).isEqualTo("let go");
        }
    }

    private Socket connectOnTheSameLoopAs(Socket other) throws Exception {
        int loop = loopOf(other);
        for (int attempt = 0; attempt < 20; attempt++) {
            Socket candidate = connect();
            if (loopOf(candidate) == loop) {
                return candidate;
            }
            candidate.close();
        }
        throw new AssertionError("20 connections in a row were given to the other loop");
    }

    private static int loopOf(Socket socket) throws IOException {
        send(socket, get("/fiber"));
        Response response = Response.read(socket.getInputStream());
        assertThat(response.status).isEqualTo(200);
        return JsonPath.read(response.text(), "$.loop");
    }

    private LoopEndpoint endpoint() {
        TomcatWebServer server = (TomcatWebServer) ((ServletWebServerApplicationContext) context).getWebServer();
        return ((Http11LoopProtocol) server.getTomcat().getConnector().getProtocolHandler()).getLoopEndpoint();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), SOCKET_TIMEOUT_MILLIS);
        socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return socket;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 10));
        }
        return bytes;
    }

    static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /** An HTTP/1.1 response read off a socket: status, headers, and a body of Content-Length or chunked. */
    record Response(int status, Map<String, String> headers, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                    all.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
                body = all.toByteArray();
            } else {
                body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            }
            return new Response(status, headers, body);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c == -1) {
                    throw new EOFException("The connection ended in the middle of a response: " + line);
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    @RestController
    static class Payloads {

        /** The fiber of the last /crc or /bytes request. */
        static volatile Fiber<?> handling;

        static volatile boolean hogging;

        static volatile boolean releaseHog;

        /** Holds its loop without ever parking, as a CPU-bound handler does, until the test lets go. */
        @GetMapping("/hog")
        String hog() {
            hogging = true;
            try {
                while (!releaseHog) {
                    Thread.onSpinWait();
                }
            } finally {
                hogging = false;
            }
            return "let go";
        }

        @GetMapping("/echo-query")
        String echo(@RequestParam String value) {
            return value;
        }

        @PostMapping("/crc")
        String crc(HttpServletRequest request) throws IOException {
            handling = Fiber.current();
            byte[] body = request.getInputStream().readAllBytes();
            return body.length + " " + LoopConnectorTests.crc(body);
        }

        @GetMapping("/bytes")
        void bytes(@RequestParam int size, HttpServletResponse response) throws IOException {
            handling = Fiber.current();
            byte[] bytes = pattern(size);
            response.setContentType("application/octet-stream");
            response.setContentLength(size);
            OutputStream out = response.getOutputStream();
            for (int offset = 0; offset < size; offset += 256 * 1024) {
                out.write(bytes, offset, Math.min(256 * 1024, size - offset));
            }
        }
    }
}
