package io.evergreen.demo.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy that a test can cut off from its upstream, the way a network partition or a hung server does:
 * while cut, every connection stays open and everything sent on it is swallowed, but nothing is forwarded and
 * nothing comes back; new connections are accepted (the kernel would accept them anyway) and connected nowhere.
 * Nothing fails and nothing answers: only the client's own timeouts end its wait. A plain close would be the
 * easy case (an immediate error), so it is not what this proxy does.
 * <p>
 * Plain JDK blocking sockets on platform threads, two per connection: it runs beside the code under test and
 * must not share its loops.
 */
final class BlackholeProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    private BlackholeProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        daemon("blackhole-proxy-acceptor", this::acceptForever).start();
    }

    /** A proxy listening on a free port of the loopback interface, forwarding to {@code upstream}. */
    static BlackholeProxy forwardingTo(InetSocketAddress upstream) {
        try {
            return new BlackholeProxy(upstream);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** From now on, nothing is forwarded either way, on open connections and new ones. */
    void cut() {
        cut = true;
    }

    /**
     * Forwards again. Connections that were open during the cut lost what was swallowed, and their clients time
     * out on them; connections accepted during the cut were never connected upstream and stay dead ends.
     */
    void restore() {
        cut = false;
    }

    private void acceptForever() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                if (cut) {
                    daemon("blackhole-proxy-swallow", () -> pump(client, null)).start();
                } else {
                    connect(client);
                }
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    throw new UncheckedIOException("the proxy could not accept", e);
                }
            }
        }
    }

    private void connect(Socket client) {
        Socket server = new Socket();
        sockets.add(server);
        try {
            server.connect(upstream, 5_000);
        } catch (IOException e) {
            closeBoth(client, server);
            return;
        }
        daemon("blackhole-proxy-up", () -> pump(client, server)).start();
        daemon("blackhole-proxy-down", () -> pump(server, client)).start();
    }

    /** Copies {@code from} to {@code to} (swallows it when cut, or always when {@code to} is null) until either ends. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to == null ? null : to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (out != null && !cut) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (SocketException ended) {
            // Either side closed or reset: end the pair.
        } catch (IOException e) {
            // The same, for the proxy: nothing to report to the test.
        } finally {
            closeBoth(from, to);
        }
    }

    private void closeBoth(Socket one, Socket other) {
        for (Socket socket : new Socket[] { one, other }) {
            if (socket != null) {
                sockets.remove(socket);
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        sockets.forEach(socket -> closeBoth(socket, null));
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
