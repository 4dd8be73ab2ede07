package io.evergreen.loop;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded queue through which loop threads hand work to a thread of its own (log records, metric samples) without
 * a lock: a loop thread must never wait for one that a fiber may hold ({@link LoopSafeLock}), and the JDK's bounded
 * queues lock. Past its capacity it refuses items and counts them, rather than grow without bound while nothing
 * drains it.
 */
public final class LoopHandOff<T> {

    private final int capacity;
    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    public LoopHandOff(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("A hand-off needs a capacity of at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** Queues the item, or counts it refused when the queue is full. Never waits. */
    public boolean offer(T item) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            refused.incrementAndGet();
            return false;
        }
        items.offer(item);
        return true;
    }

    /** The oldest item, or null. */
    public T poll() {
        T item = items.poll();
        if (item != null) {
            size.decrementAndGet();
        }
        return item;
    }

    /** Items refused since the last call. */
    public long takeRefused() {
        return refused.getAndSet(0);
    }
}
