package io.evergreen.sync;

import io.evergreen.fiber.FiberParking;
import io.evergreen.fiber.FiberTimeoutException;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.LoopSafeLock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A queue between fibers (and threads) that {@link #close()} ends: bounded ({@code Channel.bounded(n)}),
 * or a rendezvous ({@code Channel.rendezvous()}) where {@link #send} returns only once a receiver took the
 * item. Iterating receives until the channel is closed and drained.
 * <pre>{@code
 * Channel<Job> jobs = Channel.bounded(100);
 * Fiber.spawn(() -> { for (Job job : jobs) handle(job); });
 * jobs.send(job); ... jobs.close();
 * }</pre>
 * Built on {@link ReentrantLock}, which parks a fiber rather than its loop. A loop's own callbacks may use the
 * methods that do not wait ({@link #trySend}, {@link #tryReceive}, {@link #close}, {@link #size}), which never park
 * a loop thread on the lock ({@link LoopSafeLock}); the methods that wait refuse a loop thread with
 * {@link IllegalStateException}, since what it would wait for may need that very thread. Closing keeps the items already
 * sent: receivers drain them before they see {@link ChannelClosedException}. A cancelled fiber leaves a
 * wait with {@link io.evergreen.fiber.FiberCancelledException}; a rendezvous sender cancelled before a
 * receiver came takes its item back, so nothing is delivered that its sender was told failed.
 */
public final class Channel<T> implements Iterable<T>, AutoCloseable {

    private final int capacity;
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Condition taken = lock.newCondition();
    private long sentCount;
    private long takenCount;
    private boolean closed;

    private Channel(int capacity) {
        this.capacity = capacity;
    }

    /** A channel that buffers up to {@code capacity} items (at least 1). */
    public static <T> Channel<T> bounded(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("A bounded channel needs a capacity of at least 1, got " + capacity
                    + " (use Channel.rendezvous() for none)");
        }
        return new Channel<>(capacity);
    }

    /** A channel without buffer: each send waits for a receiver. */
    public static <T> Channel<T> rendezvous() {
        return new Channel<>(0);
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Sends an item, waiting while the buffer is full (for a rendezvous: until a receiver took it).
     * @throws ChannelClosedException when the channel is closed
     */
    public void send(T item) {
        refuseLoopThread();
        Objects.requireNonNull(item, "Channels do not carry null");
        LoopSafeLock.lock(lock);
        try {
            while (!closed && items.size() >= Math.max(1, capacity)) {
                awaitOn(notFull);
            }
            ensureOpen();
            items.addLast(item);
            long ticket = ++sentCount;
            notEmpty.signal();
            if (capacity == 0) {
                awaitTaken(ticket);
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitTaken(long ticket) {
        try {
            while (takenCount < ticket && !closed) {
                awaitOn(taken);
            }
        } catch (RuntimeException cancelled) {
            if (takenCount < ticket) {
                // Nobody took it: the single rendezvous slot still holds our item; take it back.
                items.pollLast();
                sentCount--;
                notFull.signal();
            }
            throw cancelled;
        }
    }

    /** Sends if there is room now (for a rendezvous: never, unless a receiver already waits). */
    public boolean trySend(T item) {
        Objects.requireNonNull(item, "Channels do not carry null");
        LoopSafeLock.lock(lock);
        try {
            ensureOpen();
            if (items.size() >= Math.max(1, capacity) || capacity == 0 && !lock.hasWaiters(notEmpty)) {
                return false;
            }
            items.addLast(item);
            sentCount++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Receives the next item, waiting for one.
     * @throws ChannelClosedException when the channel is closed and drained
     */
    public T receive() {
        refuseLoopThread();
        LoopSafeLock.lock(lock);
        try {
            while (items.isEmpty()) {
                if (closed) {
                    throw new ChannelClosedException("Channel is closed and drained");
                }
                awaitOn(notEmpty);
            }
            return take();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Receives the next item, waiting up to {@code timeout}.
     * @throws FiberTimeoutException when nothing came in time
     * @throws ChannelClosedException when the channel is closed and drained
     */
    public T receive(Duration timeout) {
        refuseLoopThread();
        long remaining = timeout.toNanos();
        LoopSafeLock.lock(lock);
        try {
            while (items.isEmpty()) {
                if (closed) {
                    throw new ChannelClosedException("Channel is closed and drained");
                }
                if (remaining <= 0) {
                    throw new FiberTimeoutException("Nothing received within " + timeout);
                }
                try {
                    remaining = notEmpty.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    throw FiberParking.translate(e);
                }
            }
            return take();
        } finally {
            lock.unlock();
        }
    }

    /** The next item if one is there now, else null. */
    public T tryReceive() {
        LoopSafeLock.lock(lock);
        try {
            return items.isEmpty() ? null : take();
        } finally {
            lock.unlock();
        }
    }

    private T take() {
        T item = items.pollFirst();
        takenCount++;
        notFull.signal();
        if (capacity == 0) {
            taken.signalAll();
        }
        return item;
    }

    /** Refuses further sends and wakes every waiter; items already sent can still be received. */
    @Override
    public void close() {
        LoopSafeLock.lock(lock);
        try {
            closed = true;
            notEmpty.signalAll();
            notFull.signalAll();
            taken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        LoopSafeLock.lock(lock);
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Items sent and not yet received. */
    public int size() {
        LoopSafeLock.lock(lock);
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    private static void refuseLoopThread() {
        if (EventLoop.onLoopThread()) {
            throw new IllegalStateException("A loop thread cannot wait for a channel: use trySend or tryReceive in a"
                    + " loop callback, or wait in a fiber");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ChannelClosedException("Channel is closed");
        }
    }

    private static void awaitOn(Condition condition) {
        try {
            condition.await();
        } catch (InterruptedException e) {
            throw FiberParking.translate(e);
        }
    }

    /** Receives items until the channel is closed and drained. */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                try {
                    next = receive();
                    return true;
                } catch (ChannelClosedException drained) {
                    return false;
                }
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                T item = next;
                next = null;
                return item;
            }
        };
    }

    @Override
    public String toString() {
        return "Channel[" + (capacity == 0 ? "rendezvous" : "capacity " + capacity) + ", " + size() + " queued"
                + (isClosed() ? ", closed" : "") + "]";
    }

}
