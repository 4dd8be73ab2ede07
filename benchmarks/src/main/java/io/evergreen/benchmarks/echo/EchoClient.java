package io.evergreen.benchmarks.echo;

import org.HdrHistogram.Histogram;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one load driver for all three servers: {@code connections} connections, each sending a
 * {@code size}-byte message and waiting for its whole echo before sending the next (closed loop). Runs
 * {@code warmup} seconds unrecorded, then records {@code duration} seconds: every round trip completed in
 * that window is counted, and its time (from just before the write to the last byte of the echo) is
 * recorded in an HdrHistogram.
 * <p>
 * Two engines, chosen per row and the same for every server of that row:
 * <ul>
 *   <li>{@link Engine#BLOCKING}: a platform thread per connection on a blocking {@link Socket}: the
 *       cheapest client for one connection (no selector call between write and read);</li>
 *   <li>{@link Engine#NIO}: {@code threads} platform threads, each a {@link Selector} over its share of
 *       the connections, with direct buffers: the cheapest client for many connections on two cores.</li>
 * </ul>
 */
final class EchoClient {

    enum Engine { BLOCKING, NIO }

    private static final int WARMING = 0;
    private static final int MEASURING = 1;
    private static final int STOPPING = 2;
    /** Highest latency the histograms track: 60 s, 3 significant digits. */
    private static final long MAX_TRACKED_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final InetSocketAddress target;
    private final int connections;
    private final int size;
    private final Engine engine;
    private final int threads;
    private volatile int phase = WARMING;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    EchoClient(InetSocketAddress target, int connections, int size, Engine engine, int threads) {
        this.target = target;
        this.connections = connections;
        this.size = size;
        this.engine = engine;
        this.threads = engine == Engine.BLOCKING ? connections : Math.min(threads, connections);
    }

    /** The engine for a row: blocking for one connection, NIO above. */
    static Engine defaultEngine(int connections) {
        return connections == 1 ? Engine.BLOCKING : Engine.NIO;
    }

    /**
     * Connects, warms up, measures, disconnects.
     * @param atMeasureStart runs as the window opens (snapshots of server counters)
     * @param atMeasureEnd runs as the window closes
     */
    LoadResult run(double warmupSeconds, double measureSeconds, Runnable atMeasureStart, Runnable atMeasureEnd)
            throws Exception {
        List<Worker> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = connections / threads + (t < connections % threads ? 1 : 0);
            workers.add(engine == Engine.BLOCKING ? new BlockingWorker() : new NioWorker(share));
        }
        CountDownLatch connected = new CountDownLatch(workers.size());
        List<Thread> started = new ArrayList<>();
        try {
            for (int i = 0; i < workers.size(); i++) {
                Worker worker = workers.get(i);
                started.add(Thread.ofPlatform().daemon().name("echo-client-" + i).start(() -> {
                    try {
                        worker.connect();
                        connected.countDown();
                        worker.drive();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        connected.countDown();
                    } finally {
                        worker.close();
                    }
                }));
            }
            connected.await();
            throwIfFailed();
            sleepSeconds(warmupSeconds);
            throwIfFailed();
            atMeasureStart.run();
            long windowStart = System.nanoTime();
            phase = MEASURING;
            sleepSeconds(measureSeconds);
            phase = STOPPING;
            long windowEnd = System.nanoTime();
            atMeasureEnd.run();
            for (Thread thread : started) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
            throwIfFailed();
            Histogram merged = new Histogram(MAX_TRACKED_NANOS, 3);
            long roundTrips = 0;
            for (Worker worker : workers) {
                merged.add(worker.histogram);
                roundTrips += worker.roundTrips;
            }
            return new LoadResult(roundTrips, (windowEnd - windowStart) / 1e9, merged);
        } finally {
            phase = STOPPING;
            for (Thread thread : started) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    private void throwIfFailed() throws Exception {
        Throwable e = failure.get();
        if (e instanceof Exception exception) {
            throw exception;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleepSeconds(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }

    private byte[] message() {
        byte[] message = new byte[size];
        for (int i = 0; i < size; i++) {
            message[i] = (byte) (i * 31 + 7);
        }
        return message;
    }

    private abstract class Worker {
        final Histogram histogram = new Histogram(MAX_TRACKED_NANOS, 3);
        long roundTrips;

        abstract void connect() throws IOException;

        abstract void drive() throws IOException;

        abstract void close();

        /** Counts a round trip that completed inside the window. */
        final void completed(long startNanos, long endNanos) {
            if (phase == MEASURING) {
                histogram.recordValue(endNanos - startNanos);
                roundTrips++;
            }
        }
    }

    private final class BlockingWorker extends Worker {
        private Socket socket;

        @Override
        void connect() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(target);
        }

        @Override
        void drive() throws IOException {
            byte[] message = message();
            byte[] echo = new byte[size];
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            while (phase != STOPPING) {
                long start = System.nanoTime();
                out.write(message);
                for (int got = 0; got < size; ) {
                    int n = in.read(echo, got, size - got);
                    if (n < 0) {
                        throw new EOFException("Server closed the connection after " + got + " of " + size + " bytes");
                    }
                    got += n;
                }
                completed(start, System.nanoTime());
                if (echo[0] != message[0] || echo[size - 1] != message[size - 1]) {
                    throw new IOException("Echo differs from the message");
                }
            }
        }

        @Override
        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // Leaving anyway.
            }
        }
    }

    private final class NioWorker extends Worker {
        private final int share;
        private final List<Connection> owned = new ArrayList<>();
        private Selector selector;

        NioWorker(int share) {
            this.share = share;
        }

        @Override
        void connect() throws IOException {
            selector = Selector.open();
            byte[] message = message();
            for (int i = 0; i < share; i++) {
                SocketChannel channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(target);
                channel.configureBlocking(false);
                Connection connection = new Connection(channel, message);
                connection.key = channel.register(selector, 0, connection);
                owned.add(connection);
            }
        }

        @Override
        void drive() throws IOException {
            for (Connection connection : owned) {
                connection.send();
            }
            while (phase != STOPPING) {
                selector.select(this::ready, 100);
            }
        }

        private void ready(SelectionKey key) {
            Connection connection = (Connection) key.attachment();
            try {
                if (key.isWritable()) {
                    connection.channel.write(connection.out);
                    if (!connection.out.hasRemaining()) {
                        connection.interest(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    if (connection.channel.read(connection.in) < 0) {
                        throw new EOFException("Server closed the connection after " + connection.in.position()
                                + " of " + size + " bytes");
                    }
                    if (!connection.in.hasRemaining()) {
                        completed(connection.start, System.nanoTime());
                        connection.verify();
                        if (phase != STOPPING) {
                            connection.send();
                        }
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        void close() {
            for (Connection connection : owned) {
                try {
                    connection.channel.close();
                } catch (IOException ignored) {
                    // Leaving anyway.
                }
            }
            try {
                if (selector != null) {
                    selector.close();
                }
            } catch (IOException ignored) {
                // Leaving anyway.
            }
        }
    }

    private final class Connection {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        int interestOps;
        long start;

        Connection(SocketChannel channel, byte[] message) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(size).put(message).flip();
            this.in = ByteBuffer.allocateDirect(size);
        }

        void send() throws IOException {
            out.clear();
            in.clear();
            start = System.nanoTime();
            channel.write(out);
            interest(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        /** Changes the key's interest only when it differs: each change takes the selector's update lock. */
        void interest(int ops) {
            if (ops != interestOps) {
                interestOps = ops;
                key.interestOps(ops);
            }
        }

        void verify() throws IOException {
            if (in.get(0) != out.get(0) || in.get(size - 1) != out.get(size - 1)) {
                throw new IOException("Echo differs from the message");
            }
        }
    }
}
