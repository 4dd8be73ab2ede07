package io.evergreen.io;

import io.evergreen.fiber.FiberParking;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.IoReadiness;
import io.evergreen.loop.SelectableChannelPoller;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Readiness of one non-blocking channel on its owning loop's selector, and the threads waiting for it.
 * <p>
 * A waiter registers itself, arms the interest it needs and parks; the loop's readiness dispatch disarms
 * that interest and unparks the waiter. Interest is armed only while someone waits (the selector is
 * level-triggered, so a standing interest would wake the loop on every poll). Arming happens on the loop
 * thread: directly when the waiter is a fiber of that loop (no hand-off at all), else through
 * {@link EventLoop#execute} — one hop to the loop and one back, the price of using a stream from a fiber of
 * another loop or from a platform thread.
 */
final class ChannelWatcher implements IoReadiness {

    private static final int READ_SIDE = SelectionKey.OP_READ | SelectionKey.OP_ACCEPT;
    private static final int WRITE_SIDE = SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;

    private final EventLoop loop;
    private final SelectableChannelPoller poller;
    private final SelectableChannel channel;
    /** Loop thread only. */
    private SelectionKey key;
    /** The interest registered on {@link #key}; loop thread only. Changing it costs a lock and an epoll_ctl. */
    private int armedOps;
    /**
     * False once a reader found the socket drained, true again when the selector reports it readable: a
     * reader that knows the socket is drained waits first instead of trying a read that would find nothing.
     */
    private volatile boolean readReady = true;
    /** Runs on the loop thread when the channel is writable (a stream's background write). */
    private Runnable onWritable;
    private volatile Thread readWaiter;
    private volatile Thread writeWaiter;
    private volatile boolean closed;

    ChannelWatcher(EventLoop loop, SelectableChannel channel) {
        this.poller = selectablePoller(loop);
        this.loop = loop;
        this.channel = channel;
    }

    /**
     * The loop's poller, which must serve {@code java.nio} channels for any Evergreen socket to live on the loop.
     * @throws IllegalStateException naming what the loop lacks (a loop polling through Netty's epoll, say)
     */
    static SelectableChannelPoller selectablePoller(EventLoop loop) {
        if (loop.poller() instanceof SelectableChannelPoller poller) {
            return poller;
        }
        throw new IllegalStateException("Evergreen sockets need a loop whose poller serves java.nio channels "
                + "(a SelectableChannelPoller, such as the default NioSelectorPoller); " + loop + " uses "
                + loop.poller().getClass().getName());
    }

    EventLoop loop() {
        return loop;
    }

    void onWritable(Runnable callback) {
        this.onWritable = callback;
    }

    /**
     * Parks the caller until the channel may be ready for {@code ops}, the deadline passes or the watcher is
     * closed. May return early; callers retry their operation and then check deadline and state.
     * @throws IllegalStateException when another thread already waits on the same side
     */
    void await(int ops, long deadlineNanos) throws IOException {
        boolean readSide = (ops & READ_SIDE) != 0;
        Thread self = Thread.currentThread();
        Thread previous = readSide ? readWaiter : writeWaiter;
        if (previous != null && previous != self) {
            throw new IllegalStateException(previous + " is already waiting to " + (readSide ? "read" : "write")
                    + " on this channel; one " + (readSide ? "reader" : "writer") + " at a time");
        }
        if (readSide) {
            readWaiter = self;
        } else {
            writeWaiter = self;
        }
        try {
            arm(ops);
            if (!closed) {
                FiberParking.parkUntil(this, deadlineNanos);
            }
        } finally {
            if (readSide) {
                readWaiter = null;
            } else {
                writeWaiter = null;
            }
        }
        FiberParking.checkInterrupts();
    }

    /** Asks the loop to watch for {@code ops}; safe from any thread. */
    void arm(int ops) throws IOException {
        if (loop.inLoop()) {
            armOnLoop(ops);
            return;
        }
        try {
            loop.execute(() -> armOnLoop(ops));
        } catch (RejectedExecutionException e) {
            throw new IOException(loop + " has stopped: cannot wait for I/O on it", e);
        }
    }

    private void armOnLoop(int ops) {
        if (closed) {
            return;
        }
        try {
            if (key == null) {
                key = poller.register(channel, ops, this);
                armedOps = ops;
            } else if ((armedOps & ops) != ops) {
                armedOps |= ops;
                key.interestOps(armedOps);
            }
        } catch (ClosedChannelException | CancelledKeyException e) {
            wakeAll();
        }
    }

    /** The socket may have bytes to read (or the reader has not found it drained yet). */
    boolean readMayBeReady() {
        return readReady;
    }

    /** A read found nothing, or less than it asked for: the socket is drained until the selector says otherwise. */
    void readDrained() {
        readReady = false;
    }

    /**
     * Read interest stays armed while a reader waits: a reader that comes back to wait at once (the usual
     * request/response loop) then costs no interest change. It is disarmed when the socket is ready and nobody
     * waits, so that a level-triggered selector does not report it on every poll. A fiber of this loop that
     * was woken reads before the loop polls again; a reader on another thread may be reported readable again
     * until it wakes and reads: a few spare dispatches, the price of using a stream off its loop.
     */
    @Override
    public void ready(int readyOps) {
        Thread reader = readWaiter;
        try {
            int disarm = 0;
            if ((readyOps & READ_SIDE) != 0) {
                readReady = true;
                if (reader == null) {
                    disarm |= READ_SIDE;
                }
            }
            if ((readyOps & WRITE_SIDE) != 0) {
                disarm |= WRITE_SIDE;
            }
            if ((armedOps & disarm) != 0) {
                armedOps &= ~disarm;
                key.interestOps(armedOps);
            }
        } catch (CancelledKeyException e) {
            wakeAll();
            return;
        }
        if ((readyOps & READ_SIDE) != 0) {
            unpark(reader);
        }
        if ((readyOps & WRITE_SIDE) != 0) {
            if (onWritable != null) {
                onWritable.run();
            }
            unpark(writeWaiter);
        }
    }

    /** Wakes every waiter: used when the channel is closed or fails. */
    void wakeAll() {
        unpark(readWaiter);
        unpark(writeWaiter);
    }

    /** Marks the watcher closed and wakes its waiters; they find the channel closed. */
    void close() {
        closed = true;
        wakeAll();
    }

    boolean isClosed() {
        return closed;
    }

    private static void unpark(Thread waiter) {
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }
}
