package io.evergreen.demo.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 connection on a plain blocking {@link Socket}, written byte for byte: what a test needs to send
 * what no HTTP client library would (a broken request line, half a header block, a short body) and to hold
 * thousands of connections from virtual threads at the cost of a socket each.
 * <p>
 * Requests are expected to end their connection (they say {@code Connection: close}, or are bad enough that the
 * server closes it): the response is everything read up to the end of the stream.
 */
final class RawHttp implements AutoCloseable {

    /** How long a read may wait: only a hung server reaches it. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    static RawHttp connect(int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
            return new RawHttp(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A GET that asks the server to close the connection after its response. */
    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    }

    RawHttp send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Reads to the end of the stream and parses what came as a response. A reset after the server closed
     * (it does when it closes with bytes of ours unread) ends the stream too: what arrived before it counts.
     */
    Response readResponse() throws IOException {
        return Response.parse(readToEnd());
    }

    private byte[] readToEnd() throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            if (!"Connection reset".equals(reset.getMessage())) {
                throw reset;
            }
        }
        return received.toByteArray();
    }

    /** Half-closes the connection: the server reads the end of the stream, and may still answer. */
    RawHttp finishSending() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** Closes the connection with a reset instead of an orderly close: the client vanishes. */
    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * What the server sent: {@code status} is 0 when it closed the connection without a word.
     *
     * @param headers the raw header block, for messages
     */
    record Response(int status, String headers, String body) {

        static Response parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            if (text.isEmpty()) {
                return new Response(0, "", "");
            }
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || end < 0) {
                throw new IllegalStateException("Not an HTTP/1.1 response: " + text);
            }
            String headers = text.substring(0, end);
            String body = text.substring(end + 4);
            Response response = new Response(Integer.parseInt(headers.substring(9, 12)), headers, body);
            return "chunked".equalsIgnoreCase(response.header("Transfer-Encoding"))
                    ? new Response(response.status, headers, dechunk(body))
                    : response;
        }

        /** The first value of a header, or null. */
        String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        boolean closedWithoutResponse() {
            return status == 0;
        }

        private static String dechunk(String chunked) {
            StringBuilder body = new StringBuilder();
            int at = 0;
            while (true) {
                int lineEnd = chunked.indexOf("\r\n", at);
                int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
                if (size == 0) {
                    return body.toString();
                }
                body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
        }

        @Override
        public String toString() {
            return closedWithoutResponse() ? "(closed without a response)" : headers + "\r\n\r\n" + body;
        }
    }
}
