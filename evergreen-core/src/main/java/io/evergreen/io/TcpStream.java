package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A TCP connection with a blocking-looking API over a non-blocking channel registered with its loop's own
 * selector: a read or write that cannot proceed parks the calling fiber, and the loop's readiness dispatch
 * wakes it on the same thread.
 * <pre>{@code
 * try (TcpStream stream = TcpStream.connect(address, Duration.ofSeconds(2))) {
 *     stream.write("PING\r\n".getBytes(US_ASCII));
 *     String reply = stream.readLine(1024);
 * }
 * }</pre>
 * <b>Reading</b> is buffered: {@link #read}, {@link #readExactly}, {@link #readUntil} and {@link #readLine}
 * consume from one buffer. End of stream is distinct from errors: {@code read} returns -1 and the
 * other reads throw {@link IncompleteReadException}; a failed {@code readUntil}/{@code readLine} consumes
 * nothing. One reader at a time.
 * <p>
 * <b>Writing</b> never blocks below the high-water mark: bytes the kernel does not take at once are queued
 * and written by the loop in the background as the socket becomes writable; a write that leaves more than
 * the high-water mark queued waits until the queue is down to a quarter of it. {@link #flush()} waits until
 * the kernel took everything. Several fibers may write; each write is queued whole.
 * <p>
 * <b>Faults</b> raise precise exceptions: {@link ConnectionResetException} when the peer resets (the stream
 * is then closed), {@link SocketTimeoutException} when a read, write or connect timeout passes,
 * {@link StreamClosedException} when another fiber closes the stream while this one waits on it.
 * <p>
 * <b>Threads</b>: the stream belongs to the loop it was created on (the connecting fiber's loop, or the
 * server's connection fiber's loop). Used from a fiber of that loop, waiting costs nothing but the park.
 * From a fiber of another loop or a platform thread it still works: each wait hands the interest to the
 * owning loop and each write is copied and handed over, one cross-thread hop each way.
 */
public final class TcpStream implements AutoCloseable {

    public static final int DEFAULT_HIGH_WATER_MARK = 64 * 1024;
    /** How long {@link #close()} waits for queued bytes to leave when no write timeout is set. */
    public static final Duration DEFAULT_CLOSE_LINGER = Duration.ofSeconds(5);

    private static final byte[] LINE_FEED = {'\n'};
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final SocketChannel channel;
    private final ChannelWatcher watcher;
    private final EventLoop loop;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;

    // Read side: one reader at a time.
    private final ReadBuffer readBuffer = new ReadBuffer();

    // Write side: the queue is the loop's; the backlog count and its waiters are shared (OutboundBacklog).
    private final ArrayDeque<ByteBuffer> writeQueue = new ArrayDeque<>();
    private final OutboundBacklog backlog = new OutboundBacklog();
    private volatile IOException writeFailure;

    private volatile boolean closed;
    /** Why the stream closed itself (a reset), written before {@link #closed}; null when closed by a caller. */
    private volatile IOException closeCause;
    private volatile boolean outputShutdown;
    private volatile Duration readTimeout;
    private volatile Duration writeTimeout;
    private volatile int highWaterMark = DEFAULT_HIGH_WATER_MARK;

    TcpStream(SocketChannel channel, EventLoop loop, ChannelWatcher watcher) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.watcher = watcher;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        watcher.onWritable(this::writeQueued);
    }

    /** Wraps an accepted connection for the given loop. */
    static TcpStream accepted(SocketChannel channel, EventLoop loop) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return new TcpStream(channel, loop, new ChannelWatcher(loop, channel));
    }

    /**
     * Connects, parking the calling fiber until connected. The stream lives on the calling fiber's loop
     * (outside fibers: a loop of {@link Fiber#defaultGroup()}).
     * @throws SocketTimeoutException when not connected within {@code timeout}
     * @throws java.net.ConnectException when refused
     */
    public static TcpStream connect(SocketAddress address, Duration timeout) throws IOException {
        Objects.requireNonNull(address);
        EventLoop loop = homeLoop();
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ChannelWatcher watcher = new ChannelWatcher(loop, channel);
            long deadline = deadline(timeout);
            if (!channel.connect(address)) {
                while (!channel.finishConnect()) {
                    if (expired(deadline)) {
                        throw new SocketTimeoutException("Connect to " + address + " timed out after " + timeout);
                    }
                    watcher.await(SelectionKey.OP_CONNECT, deadline);
                }
            }
            return new TcpStream(channel, loop, watcher);
        } catch (Throwable failure) {
            closeQuietly(channel);
            loop.releaseClosedChannels();
            throw failure;
        }
    }

    static EventLoop homeLoop() {
        Fiber<?> fiber = Fiber.current();
        if (fiber != null) {
            return fiber.loop();
        }
        EventLoop loop = EventLoop.current();
        return loop != null ? loop : Fiber.defaultGroup().next();
    }

    // ---------------------------------------------------------------- options

    /** Limits each read call's wait (null: no limit). */
    public TcpStream readTimeout(Duration timeout) {
        this.readTimeout = timeout;
        return this;
    }

    /** Limits each wait of a write or flush for the queue to drain (null: no limit). */
    public TcpStream writeTimeout(Duration timeout) {
        this.writeTimeout = timeout;
        return this;
    }

    /** Queued bytes above which {@link #write} waits (default 64 KiB). */
    public TcpStream highWaterMark(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("The high-water mark must be at least 1 byte, got " + bytes);
        }
        this.highWaterMark = bytes;
        return this;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public Duration writeTimeout() {
        return writeTimeout;
    }

    public int highWaterMark() {
        return highWaterMark;
    }

    // ---------------------------------------------------------------- observation

    /** The local address, as it was when the stream was created (still known after close). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The peer's address, as it was when the stream was created (still known after close). */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Bytes read from the socket and not yet consumed. */
    public int buffered() {
        return readBuffer.size();
    }

    /** Bytes written and not yet taken by the kernel. */
    public long pendingWriteBytes() {
        return backlog.bytes();
    }

    public boolean isOpen() {
        return !closed;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads up to {@code dst.remaining()} bytes, waiting until at least one is available.
     * @return bytes read, or -1 at end of stream
     */
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen("read");
        if (!readBuffer.isEmpty()) {
            return readBuffer.transferTo(dst);
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        long deadline = deadline(readTimeout);
        if (!watcher.readMayBeReady()) {
            awaitReadable(deadline, "read"); // the last read drained the socket: a read now would find nothing
        }
        while (true) {
            int n;
            try {
                n = channel.read(dst);
            } catch (IOException e) {
                throw failed(e, "read");
            }
            if (n != 0) {
                if (n > 0 && dst.hasRemaining()) {
                    watcher.readDrained(); // a short read took all the kernel had
                }
                return n;
            }
            watcher.readDrained();
            awaitReadable(deadline, "read");
        }
    }

    /**
     * Reads exactly {@code n} bytes.
     * @throws IncompleteReadException at end of stream before {@code n} bytes (they stay buffered)
     */
    public byte[] readExactly(int n) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("Cannot read a negative number of bytes: " + n);
        }
        ensureOpen("readExactly");
        long deadline = deadline(readTimeout);
        while (readBuffer.size() < n) {
            if (!fill(n - readBuffer.size(), deadline, "readExactly")) {
                throw new IncompleteReadException(n + " bytes", n, readBuffer.size());
            }
        }
        return readBuffer.take(n);
    }

    /**
     * Reads up to and including the first {@code delimiter}, which must end within {@code maxBytes} bytes.
     * On failure nothing is consumed: the bytes stay buffered for a caller that catches the exception.
     * @throws ReadLimitExceededException when {@code maxBytes} bytes arrived without the delimiter
     * @throws IncompleteReadException at end of stream before the delimiter
     */
    public byte[] readUntil(byte[] delimiter, int maxBytes) throws IOException {
        if (delimiter.length == 0) {
            throw new IllegalArgumentException("The delimiter must not be empty");
        }
        if (maxBytes < delimiter.length) {
            throw new IllegalArgumentException("maxBytes (" + maxBytes + ") is shorter than the delimiter");
        }
        ensureOpen("readUntil");
        long deadline = deadline(readTimeout);
        int searchFrom = 0;
        while (true) {
            int end = readBuffer.indexAfter(delimiter, searchFrom, maxBytes);
            if (end >= 0) {
                return readBuffer.take(end);
            }
            int size = readBuffer.size();
            if (size >= maxBytes) {
                throw new ReadLimitExceededException(maxBytes, size);
            }
            searchFrom = Math.max(0, size - delimiter.length + 1);
            if (!fill(1, deadline, "readUntil")) {
                throw new IncompleteReadException("the delimiter", -1, readBuffer.size());
            }
        }
    }

    /**
     * Reads a line ending in {@code \n} or {@code \r\n}, decoded as UTF-8, without its terminator. The last
     * line of a stream may lack one.
     * @return the line, or null at end of stream with nothing buffered
     * @throws ReadLimitExceededException when no line ends within {@code maxBytes} bytes (nothing consumed)
     */
    public String readLine(int maxBytes) throws IOException {
        byte[] line;
        try {
            line = readUntil(LINE_FEED, maxBytes);
        } catch (IncompleteReadException endOfStream) {
            if (readBuffer.isEmpty()) {
                return null;
            }
            line = readBuffer.take(readBuffer.size());
            return new String(line, StandardCharsets.UTF_8);
        }
        int length = line.length - 1;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        return new String(line, 0, length, StandardCharsets.UTF_8);
    }

    /** Reads more into the buffer, waiting if needed. @return false at end of stream */
    private boolean fill(int minRoom, long deadline, String operation) throws IOException {
        while (true) {
            int n;
            try {
                n = readBuffer.fillFrom(channel, minRoom);
            } catch (IOException e) {
                throw failed(e, operation);
            }
            if (n > 0) {
                return true;
            }
            if (n < 0) {
                return false;
            }
            watcher.readDrained();
            awaitReadable(deadline, operation);
        }
    }

    private void awaitReadable(long deadline, String operation) throws IOException {
        if (expired(deadline)) {
            throw new SocketTimeoutException(operation + " timed out after " + readTimeout + " on " + this);
        }
        watcher.await(SelectionKey.OP_READ, deadline);
        if (closed) {
            throw closedDuring(operation);
        }
    }

    // ---------------------------------------------------------------- writing

    public void write(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    /**
     * Writes all of {@code src}: what the kernel does not take at once is queued and sent by the loop.
     * Waits only when more than the high-water mark is queued.
     */
    public void write(ByteBuffer src) throws IOException {
        ensureWritable("write");
        if (!src.hasRemaining()) {
            return;
        }
        if (loop.inLoop()) {
            if (writeQueue.isEmpty()) {
                try {
                    channel.write(src);
                } catch (IOException e) {
                    throw failed(e, "write");
                }
            }
            if (src.hasRemaining()) {
                ByteBuffer rest = copyOf(src);
                backlog.add(rest.remaining());
                writeQueue.addLast(rest);
                watcher.arm(SelectionKey.OP_WRITE);
            }
        } else {
            ByteBuffer copy = copyOf(src);
            backlog.add(copy.remaining());
            try {
                loop.execute(() -> {
                    writeQueue.addLast(copy);
                    writeQueued();
                });
            } catch (RejectedExecutionException e) {
                backlog.add(-copy.remaining());
                throw new IOException(loop + " has stopped: cannot write on it", e);
            }
        }
        int high = highWaterMark;
        if (backlog.bytes() > high) {
            awaitQueuedAtMost(high / 4, "write");
        }
    }

    /** Waits until the kernel has taken every byte written so far. */
    public void flush() throws IOException {
        ensureWritable("flush");
        awaitQueuedAtMost(0, "flush");
    }

    /**
     * Flushes, then closes the sending side (the peer reads end of stream); reading goes on.
     */
    public void shutdownOutput() throws IOException {
        flush();
        outputShutdown = true;
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            throw failed(e, "shutdownOutput");
        }
    }

    /** On the loop thread: writes queued bytes until the queue is empty or the socket is full. */
    private void writeQueued() {
        try {
            ByteBuffer head;
            while ((head = writeQueue.peekFirst()) != null) {
                int n = channel.write(head);
                backlog.add(-n);
                if (head.hasRemaining()) {
                    watcher.arm(SelectionKey.OP_WRITE);
                    break;
                }
                writeQueue.pollFirst();
            }
        } catch (IOException e) {
            writeFailure = failed(e, "write");
            writeQueue.clear();
            backlog.clear();
        }
        backlog.wakeWaiters();
    }

    private void awaitQueuedAtMost(long limit, String operation) throws IOException {
        long deadline = deadline(writeTimeout);
        backlog.awaitAtMost(this, limit, deadline, (pending, drained) -> {
            boolean streamClosed = closed;
            // Read last: a failing loop records the failure before it empties the queue and closes the stream.
            IOException failure = writeFailure;
            if (failure != null) {
                throw failure;
            }
            if (drained) {
                return;
            }
            if (streamClosed) {
                IOException cause = closeCause;
                if (cause != null) {
                    throw cause;
                }
                throw new StreamClosedException("Stream closed during " + operation + " with " + pending + " bytes unsent");
            }
            if (expired(deadline)) {
                throw new SocketTimeoutException(operation + " timed out after " + writeTimeout + " with " + pending
                        + " bytes still queued on " + this);
            }
        });
    }

    private static ByteBuffer copyOf(ByteBuffer src) {
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src).flip();
        return copy;
    }

    // ---------------------------------------------------------------- closing and faults

    /**
     * Closes the stream: queued bytes get up to the write timeout (default {@link #DEFAULT_CLOSE_LINGER}) to
     * leave, then the socket is closed and any fiber waiting on the stream wakes with
     * {@link StreamClosedException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (backlog.bytes() > 0 && writeFailure == null && !outputShutdown) {
            Duration configured = writeTimeout;
            writeTimeout = configured != null ? configured : DEFAULT_CLOSE_LINGER;
            try {
                awaitQueuedAtMost(0, "close");
            } catch (IOException | RuntimeException unsent) {
                // Closing anyway: the peer sees a truncated stream, as with any socket closed mid-write.
            } finally {
                writeTimeout = configured;
            }
        }
        abort();
    }

    /** Closes at once, dropping queued bytes, and wakes every waiter. Idempotent. */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(channel);
        watcher.close();
        backlog.wakeWaiters();
        loop.releaseClosedChannels();
    }

    /** Translates a channel failure into the precise exception, closing the stream when it is broken. */
    private IOException failed(IOException e, String operation) {
        if (closed && e instanceof ClosedChannelException) {
            return closedDuring(operation);
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("reset") || message.contains("Broken pipe") || message.contains("aborted")) {
            ConnectionResetException reset = new ConnectionResetException("Connection reset by " + remoteAddress
                    + " during " + operation, e);
            closeCause = reset; // before abort() wakes the waiters: they must report the reset, not just the close
            abort();
            return reset;
        }
        return e;
    }

    /** What a fiber woken by the stream's closing reports: the reset that closed it, else the close itself. */
    private IOException closedDuring(String operation) {
        IOException cause = closeCause;
        return cause != null ? cause
                : new StreamClosedException("Stream closed by another fiber or thread during " + operation + " on " + this);
    }

    private void ensureOpen(String operation) throws IOException {
        if (closed) {
            throw new StreamClosedException("Cannot " + operation + ": stream is closed (" + this + ")");
        }
    }

    private void ensureWritable(String operation) throws IOException {
        ensureOpen(operation);
        IOException failure = writeFailure;
        if (failure != null) {
            throw failure;
        }
        if (outputShutdown) {
            throw new IOException("Cannot " + operation + ": output was shut down on " + this);
        }
    }

    private static long deadline(Duration timeout) {
        if (timeout == null) {
            return NO_DEADLINE;
        }
        long nanos = timeout.toNanos();
        long now = System.nanoTime();
        return nanos >= NO_DEADLINE - now ? NO_DEADLINE - 1 : now + nanos;
    }

    private static boolean expired(long deadline) {
        return deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0;
    }

    static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do with a channel that failed to close.
        }
    }

    @Override
    public String toString() {
        return "TcpStream[" + localAddress + " -> " + remoteAddress + (closed ? ", closed" : "") + "]";
    }
}
