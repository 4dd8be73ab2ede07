package io.evergreen.demo.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One misbehaving client of the line echo server, all its choices drawn from a seeded {@link Random}: the same
 * seed replays the same bytes, sizes, pauses and endings. Each kind ends its connection itself (a close or a
 * reset), so that afterwards the server owes it nothing: no fiber, no descriptor. Where the protocol fixes the
 * answer, it is checked; where the client lied (random bytes), only that the server ends the exchange is.
 */
final class EchoFuzzer {

    enum Kind {
        /** Random bytes in random chunks, newlines by chance; then a half-close, and read until the server closes. */
        RANDOM_BYTES,
        /** A line without its line feed, then a half-close: the server echoes what came, then closes. */
        PARTIAL_LINE,
        /** Some lines, or part of one, then a reset (SO_LINGER 0) at a random point, without reading. */
        ABRUPT_RESET,
        /** A line trickled one byte every few milliseconds, echoed whole; then another abandoned midway. */
        SLOWLORIS,
        /** Lines written without ever reading the echoes, until the server's writes stall; then a reset. */
        NEVER_READS
    }

    /** More than any socket buffers on loopback and the server's high-water mark: a server still reading is odd. */
    private static final long MAX_UNREAD_BYTES = 64L << 20;

    /** The server's line limit, the line feed included. */
    private final int maxLineBytes;
    private final int port;
    private final Duration patience;
    private final Random random;

    EchoFuzzer(int port, int maxLineBytes, Duration patience, long seed) {
        this.port = port;
        this.maxLineBytes = maxLineBytes;
        this.patience = patience;
        this.random = new Random(seed);
    }

    void run(Kind kind) throws Exception {
        if (kind == Kind.NEVER_READS) {
            neverReads();
            return;
        }
        try (Socket socket = connect()) {
            switch (kind) {
                case RANDOM_BYTES -> randomBytes(socket);
                case PARTIAL_LINE -> partialLine(socket);
                case ABRUPT_RESET -> abruptReset(socket);
                case SLOWLORIS -> slowloris(socket);
                case NEVER_READS -> throw new AssertionError("a channel of its own");
            }
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) patience.toMillis());
        // A server that never answers fails the fuzzer instead of hanging it.
        socket.setSoTimeout((int) patience.toMillis());
        return socket;
    }

    private void randomBytes(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        int total = 1 + random.nextInt(512);
        for (int sent = 0; sent < total; ) {
            byte[] chunk = new byte[Math.min(total - sent, 1 + random.nextInt(64))];
            random.nextBytes(chunk);
            if (!write(out, chunk)) {
                return; // the server refused a line that was too long and closed: fine
            }
            sent += chunk.length;
        }
        halfCloseAndDrain(socket);
    }

    private void partialLine(Socket socket) throws IOException {
        String partial = printable(1 + random.nextInt(maxLineBytes - 1));
        socket.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        socket.shutdownOutput();
        assertThat(readAll(socket.getInputStream())).as("what a partial line gets back").isEqualTo(partial + "\n");
    }

    private void abruptReset(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        int lines = random.nextInt(4);
        for (int i = 0; i < lines; i++) {
            out.write((printable(random.nextInt(maxLineBytes - 1)) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        if (random.nextBoolean()) {
            out.write(printable(1 + random.nextInt(maxLineBytes - 1)).getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        reset(socket);
    }

    private void slowloris(Socket socket) throws Exception {
        OutputStream out = socket.getOutputStream();
        String line = printable(8 + random.nextInt(24));
        trickle(out, line + "\n");
        byte[] echoed = socket.getInputStream().readNBytes(line.length() + 1);
        assertThat(new String(echoed, StandardCharsets.US_ASCII)).as("a trickled line's echo").isEqualTo(line + "\n");
        trickle(out, printable(1 + random.nextInt(maxLineBytes - 2)));
        if (random.nextBoolean()) {
            reset(socket);
        }
    }

    private void neverReads() throws IOException {
        try (SocketChannel channel = stallServerWrites()) {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        }
    }

    /**
     * Connects and writes lines without reading their echoes until the server stops reading: its echoes fill this
     * client's receive buffer (made small), the server's send buffer and its write queue, and its fiber waits in
     * a write. Non-blocking, so that the client notices the stall instead of blocking in a write itself (a
     * blocking socket has no write timeout).
     * @return the open connection, blocking again
     */
    SocketChannel stallServerWrites() throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            channel.configureBlocking(false);
            byte[] line = (printable(maxLineBytes - 1) + "\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer lines = ByteBuffer.allocate(line.length * 256);
            while (lines.hasRemaining()) {
                lines.put(line);
            }
            lines.flip();
            for (long written = 0; written < MAX_UNREAD_BYTES; ) {
                if (!lines.hasRemaining()) {
                    lines.rewind(); // whole lines only: the server must see valid lines, and stall echoing them
                }
                int n = channel.write(lines);
                if (n == 0) {
                    break;
                }
                written += n;
            }
            channel.configureBlocking(true);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void trickle(OutputStream out, String text) throws Exception {
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            out.write(b);
            out.flush();
            Thread.sleep(1 + random.nextInt(5)); // the client's own pace: this is what the fuzz is about
        }
    }

    /** Whether the bytes went out; false when the server already closed (it may, after a line over its limit). */
    private static boolean write(OutputStream out, byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (SocketException closedByServer) {
            return false;
        }
    }

    private static void halfCloseAndDrain(Socket socket) throws IOException {
        try {
            socket.shutdownOutput();
            readAll(socket.getInputStream());
        } catch (SocketException reset) {
            // A server that closes with our bytes unread resets: an end, which is all we wait for.
        }
    }

    /** Everything until the server closes; a server that never does fails this with a read timeout. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.US_ASCII);
    }

    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private String printable(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (' ' + 1 + random.nextInt(94))); // '!'..'~': no line feed, no carriage return
        }
        return text.toString();
    }
}
