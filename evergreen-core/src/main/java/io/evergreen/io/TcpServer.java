package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopLog;
import io.evergreen.loop.LoopSafeSet;
import io.evergreen.sync.Result;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts TCP connections and serves each in a fiber of its own, spread round-robin over the group's loops.
 * <pre>{@code
 * try (TcpServer echo = TcpServer.bind(new InetSocketAddress("127.0.0.1", 0), stream -> {
 *         for (String line; (line = stream.readLine(8192)) != null; ) {
 *             stream.write((line + "\n").getBytes(UTF_8));
 *         }
 *     })) {
 *     ...
 * }
 * }</pre>
 * The listening socket is watched by one loop of the group, which accepts every pending connection when
 * the socket is ready; each connection's stream lives on the loop of its fiber. {@link #close(Duration)}
 * stops accepting, gives live connections the grace period to finish, then closes their streams (waking any
 * fiber waiting on one) and cancels their fibers.
 */
public final class TcpServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TcpServer.class.getName());
    /** Connections accepted per readiness event, so one busy listener cannot monopolise its loop. */
    private static final int MAX_ACCEPTS_PER_WAKEUP = 64;
    public static final int DEFAULT_BACKLOG = 1024;
    public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(30);
    private static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);
    /** After their streams are closed, how long handlers get to return before they are cancelled. */
    private static final Duration UNWIND_GRACE = Duration.ofSeconds(1);

    private final EventLoopGroup group;
    private final EventLoop acceptorLoop;
    private final ServerSocketChannel serverChannel;
    private final InetSocketAddress localAddress;
    private final ConnectionHandler handler;
    /** Added to on the acceptor loop's thread, removed from by the connections' fibers. */
    private final LoopSafeSet<Connection> connections = new LoopSafeSet<>();
    private final AtomicLong accepted = new AtomicLong();
    private final Result<Void> registered = new Result<>();
    /** The listening socket's key on the acceptor loop; acceptor loop only. */
    private SelectionKey acceptKey;
    private volatile boolean closing;

    private TcpServer(EventLoopGroup group, ServerSocketChannel serverChannel, ConnectionHandler handler) throws IOException {
        this.group = group;
        this.acceptorLoop = group.next();
        this.serverChannel = serverChannel;
        this.handler = handler;
        this.localAddress = (InetSocketAddress) serverChannel.getLocalAddress();
        acceptorLoop.execute(this::register);
    }

    /** Binds on the {@link Fiber#defaultGroup() default group}. */
    public static TcpServer bind(SocketAddress address, ConnectionHandler handler) throws IOException {
        return bind(Fiber.defaultGroup(), address, DEFAULT_BACKLOG, handler);
    }

    public static TcpServer bind(EventLoopGroup group, SocketAddress address, ConnectionHandler handler) throws IOException {
        return bind(group, address, DEFAULT_BACKLOG, handler);
    }

    /**
     * @param backlog the kernel's queue of connections not yet accepted
     */
    public static TcpServer bind(EventLoopGroup group, SocketAddress address, int backlog, ConnectionHandler handler)
            throws IOException {
        Objects.requireNonNull(group);
        Objects.requireNonNull(handler);
        // Before the port is taken: connections are served on every loop of the group, so each must serve
        // java.nio channels. Found later, on the acceptor loop, the refusal would come back as a bare cast failure.
        group.loops().forEach(ChannelWatcher::selectablePoller);
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(address, backlog);
            TcpServer server = new TcpServer(group, channel, handler);
            server.registered.awaitDone();
            if (server.registered.isFailed()) {
                throw new IOException("Could not watch " + server.localAddress + " on " + server.acceptorLoop,
                        server.registered.failureNow());
            }
            return server;
        } catch (IOException | RuntimeException | Error failure) {
            TcpStream.closeQuietly(channel);
            throw failure;
        }
    }

    private void register() {
        try {
            acceptKey = ChannelWatcher.selectablePoller(acceptorLoop).register(serverChannel, SelectionKey.OP_ACCEPT,
                    ops -> acceptPending());
            registered.complete(null);
        } catch (ClosedChannelException | RuntimeException e) {
            registered.fail(e);
        }
    }

    /** On the acceptor loop: accepts what is pending and starts a fiber per connection. */
    private void acceptPending() {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP && !closing; i++) {
            SocketChannel channel;
            try {
                channel = serverChannel.accept();
            } catch (IOException e) {
                if (!closing) {
                    pauseAccepting(e);
                }
                return;
            }
            if (channel == null) {
                return;
            }
            accepted.incrementAndGet();
            serve(channel);
        }
    }

    /**
     * Accept failed (out of descriptors, say): the listener stays ready, and accepting again at once would spin
     * the loop. Stop watching it for a moment; pending connections wait in the kernel's backlog meanwhile.
     */
    private void pauseAccepting(IOException cause) {
        LoopLog.log(LOG, System.Logger.Level.WARNING, "Accept failed on " + localAddress + "; pausing accepts for "
                + ACCEPT_BACKOFF.toMillis() + " ms", cause);
        if (acceptKey == null || !acceptKey.isValid()) {
            return;
        }
        acceptKey.interestOps(0);
        acceptorLoop.callLater(ACCEPT_BACKOFF, () -> {
            if (!closing && acceptKey.isValid()) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
    }

    private void serve(SocketChannel channel) {
        EventLoop loop = group.next();
        try {
            TcpStream stream = TcpStream.accepted(channel, loop);
            Connection connection = new Connection(stream);
            connections.add(connection);
            connection.fiber = Fiber.builder().loop(loop).name("tcp " + stream.remoteAddress()).unstarted(() -> {
                try (stream) {
                    handler.handle(stream);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "Connection " + stream + " ended: " + e);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "Handler failed on " + stream, e);
                } finally {
                    connections.remove(connection);
                }
            });
            connection.fiber.start();
        } catch (IOException | RuntimeException e) {
            TcpStream.closeQuietly(channel);
            LoopLog.log(LOG, System.Logger.Level.WARNING, "Could not serve a connection accepted on " + localAddress, e);
        }
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Connections accepted so far. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections whose handler is still running. */
    public int liveConnections() {
        return connections.size();
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_GRACE}. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_GRACE);
    }

    /**
     * Stops accepting at once and releases the port (it can be bound again by the time the grace begins), lets live
     * connections finish for up to {@code grace}, then closes their streams and cancels their fibers, and waits for
     * them to end.
     */
    public void close(Duration grace) {
        if (closing) {
            return;
        }
        closing = true;
        TcpStream.closeQuietly(serverChannel);
        PortRelease.awaitRelease(acceptorLoop); // the port is free again before the connections' grace begins
        joinAll(connections.snapshot(), grace);
        // Closing the streams wakes every handler waiting on one with StreamClosedException: a defined outcome.
        // Only handlers that still do not return (blocked elsewhere) are cancelled.
        Set<Connection> stragglers = connections.snapshot();
        stragglers.forEach(connection -> connection.stream.abort());
        joinAll(stragglers, UNWIND_GRACE);
        for (Connection connection : stragglers) {
            if (connection.fiber != null) {
                connection.fiber.cancel();
            }
        }
        joinAll(stragglers, Duration.ofSeconds(5));
    }

    private static void joinAll(Set<Connection> connections, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Connection connection : connections) {
            long remaining = deadline - System.nanoTime();
            if (connection.fiber != null && remaining > 0) {
                try {
                    connection.fiber.join(Duration.ofNanos(remaining));
                } catch (RuntimeException ended) {
                    // Failed, cancelled or still running: the caller decides what comes next.
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TcpServer[" + localAddress + ", " + connections.size() + " live]";
    }

    private static final class Connection {
        final TcpStream stream;
        volatile Fiber<?> fiber;

        Connection(TcpStream stream) {
            this.stream = stream;
        }
    }
}
