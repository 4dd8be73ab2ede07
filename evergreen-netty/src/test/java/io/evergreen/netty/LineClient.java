package io.evergreen.netty;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A plain blocking {@code java.net} client that speaks lines: the servers under test are checked with a client
 * that owes nothing to Evergreen or Netty. Every read gives up after {@link NettyLoops#WAIT}.
 */
final class LineClient implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader in;
    private final Writer out;

    LineClient(InetSocketAddress server) throws IOException {
        socket = new Socket(server.getAddress(), server.getPort());
        socket.setSoTimeout((int) NettyLoops.WAIT.toMillis());
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
        out = new OutputStreamWriter(socket.getOutputStream(), UTF_8);
    }

    /** Connects, sends one line and returns the line answered. */
    static String exchange(InetSocketAddress server, String line) throws IOException {
        try (LineClient client = new LineClient(server)) {
            return client.exchange(line);
        }
    }

    String exchange(String line) throws IOException {
        send(line);
        return readLine();
    }

    void send(String line) throws IOException {
        out.write(line + "\n");
        out.flush();
    }

    /** The next line, or null at end of stream. */
    String readLine() throws IOException {
        return in.readLine();
    }

    /** Everything the server sends until it closes the connection (end of stream). */
    String readToEnd() throws IOException {
        StringBuilder rest = new StringBuilder();
        for (int c; (c = in.read()) != -1; ) {
            rest.append((char) c);
        }
        return rest.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
