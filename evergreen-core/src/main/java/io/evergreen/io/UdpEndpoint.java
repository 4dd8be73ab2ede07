package io.evergreen.io;

import io.evergreen.loop.EventLoop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * A UDP socket on a loop's selector. {@link #send} does not wait for the datagram to leave: it is queued
 * and the loop sends it as the socket allows ({@link #flush()} waits until the queue is empty; a send waits
 * only when more than the high-water mark is queued). {@link #receive()} parks the calling fiber until a
 * datagram arrives.
 * <p>
 * Like {@link TcpStream}, the endpoint belongs to the loop it was bound on, and works from other fibers and
 * threads at the cost of a hand-off to that loop per wait and per send.
 */
public final class UdpEndpoint implements AutoCloseable {

    /** The largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM_BYTES = 65_507;
    public static final int DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

    private final DatagramChannel channel;
    private final EventLoop loop;
    private final ChannelWatcher watcher;
    private final InetSocketAddress localAddress;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM_BYTES);

    /** The loop's: datagrams waiting for room in the socket's send buffer. */
    private final ArrayDeque<Outgoing> sendQueue = new ArrayDeque<>();
    private final OutboundBacklog backlog = new OutboundBacklog();
    private volatile IOException sendFailure;
    private volatile boolean closed;

    private UdpEndpoint(DatagramChannel channel, EventLoop loop) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.watcher = new ChannelWatcher(loop, channel);
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        watcher.onWritable(this::sendQueued);
    }

    /** Binds on the calling fiber's loop (outside fibers: a loop of the default group). */
    public static UdpEndpoint bind(SocketAddress address) throws IOException {
        return bind(TcpStream.homeLoop(), address);
    }

    public static UdpEndpoint bind(EventLoop loop, SocketAddress address) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.configureBlocking(false);
            channel.bind(address);
            return new UdpEndpoint(channel, Objects.requireNonNull(loop));
        } catch (Throwable failure) {
            TcpStream.closeQuietly(channel);
            throw failure;
        }
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Bytes queued and not yet sent. */
    public long queuedBytes() {
        return backlog.bytes();
    }

    /**
     * Queues a datagram (copied) to {@code target} and returns; the loop sends it.
     * @throws IOException a failure of an earlier send, or the endpoint is closed
     */
    public void send(ByteBuffer data, SocketAddress target) throws IOException {
        Objects.requireNonNull(target);
        ensureOpen();
        if (data.remaining() > MAX_DATAGRAM_BYTES) {
            throw new IOException("Datagram of " + data.remaining() + " bytes exceeds the UDP maximum of " + MAX_DATAGRAM_BYTES);
        }
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data).flip();
        Outgoing outgoing = new Outgoing(copy, target);
        backlog.add(copy.remaining());
        if (loop.inLoop()) {
            sendQueue.addLast(outgoing);
            sendQueued();
        } else {
            try {
                loop.execute(() -> {
                    sendQueue.addLast(outgoing);
                    sendQueued();
                });
            } catch (RejectedExecutionException e) {
                backlog.add(-copy.remaining());
                throw new IOException(loop + " has stopped: cannot send on it", e);
            }
        }
        if (backlog.bytes() > DEFAULT_HIGH_WATER_MARK) {
            awaitQueuedAtMost(DEFAULT_HIGH_WATER_MARK / 4, null);
        }
    }

    /** Waits until every queued datagram was handed to the kernel. */
    public void flush() throws IOException {
        ensureOpen();
        awaitQueuedAtMost(0, null);
    }

    /** Waits up to {@code timeout} for the queue to empty. */
    public void flush(Duration timeout) throws IOException {
        ensureOpen();
        awaitQueuedAtMost(0, timeout);
    }

    /** On the loop thread. */
    private void sendQueued() {
        try {
            Outgoing head;
            while ((head = sendQueue.peekFirst()) != null) {
                int size = head.data.remaining();
                if (channel.send(head.data, head.target) == 0) {
                    watcher.arm(SelectionKey.OP_WRITE);
                    break;
                }
                sendQueue.pollFirst();
                backlog.add(-size);
            }
        } catch (IOException e) {
            sendFailure = e;
            sendQueue.clear();
            backlog.clear();
        }
        backlog.wakeWaiters();
    }

    private void awaitQueuedAtMost(long limit, Duration timeout) throws IOException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        backlog.awaitAtMost(this, limit, deadline, (pending, drained) -> {
            if (sendFailure != null) {
                throw sendFailure;
            }
            if (drained) {
                return;
            }
            ensureOpen();
            if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
                throw new SocketTimeoutException("UDP queue did not drain within " + timeout);
            }
        });
    }

    /** Waits for the next datagram. */
    public Datagram receive() throws IOException {
        return receive(null);
    }

    /**
     * Waits up to {@code timeout} for the next datagram (null: no limit).
     * @throws SocketTimeoutException when none came in time
     */
    public Datagram receive(Duration timeout) throws IOException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        synchronized (receiveBuffer) {
            while (true) {
                ensureOpen();
                receiveBuffer.clear();
                SocketAddress sender = channel.receive(receiveBuffer);
                if (sender != null) {
                    receiveBuffer.flip();
                    ByteBuffer data = ByteBuffer.allocate(receiveBuffer.remaining());
                    data.put(receiveBuffer).flip();
                    return new Datagram(data, sender);
                }
                if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
                    throw new SocketTimeoutException("No datagram within " + timeout + " on " + localAddress);
                }
                watcher.await(SelectionKey.OP_READ, deadline);
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new StreamClosedException("UDP endpoint " + localAddress + " is closed");
        }
    }

    /**
     * Closes the socket, dropping queued datagrams, and wakes every waiter; when it returns, the port can be bound
     * again (called off a loop thread, or in a fiber).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        TcpStream.closeQuietly(channel);
        watcher.close();
        backlog.wakeWaiters();
        PortRelease.awaitRelease(loop);
    }

    @Override
    public String toString() {
        return "UdpEndpoint[" + localAddress + (closed ? ", closed" : "") + "]";
    }

    private record Outgoing(ByteBuffer data, SocketAddress target) {
    }
}
