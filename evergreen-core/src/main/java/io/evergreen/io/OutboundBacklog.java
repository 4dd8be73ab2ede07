package io.evergreen.io;

import io.evergreen.fiber.FiberParking;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Bytes handed to a socket and not yet taken by the kernel, and the fibers or threads waiting for them to
 * drain: what {@link TcpStream} and {@link UdpEndpoint} share between the writers (any thread) and the loop
 * that sends in the background.
 */
final class OutboundBacklog {

    /** Decides, before each wait, whether waiting must end with an exception (failure, close, timeout). */
    @FunctionalInterface
    interface Guard {

        /**
         * @param pending bytes still queued
         * @param drained whether that is at or below the limit waited for (the wait is about to return)
         */
        void check(long pending, boolean drained) throws IOException;
    }

    private final AtomicLong bytes = new AtomicLong();
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();

    long bytes() {
        return bytes.get();
    }

    void add(long delta) {
        bytes.addAndGet(delta);
    }

    /** Drops the count (the queue was discarded after a failure). */
    void clear() {
        bytes.set(0);
    }

    /** Wakes every waiter to look again: progress, a failure or a close. */
    void wakeWaiters() {
        for (Thread waiter : waiters) {
            LockSupport.unpark(waiter);
        }
    }

    /** Waits until at most {@code limit} bytes are queued, the guard throws, or the caller is cancelled. */
    void awaitAtMost(Object blocker, long limit, long deadlineNanos, Guard guard) throws IOException {
        Thread self = Thread.currentThread();
        waiters.add(self);
        try {
            while (true) {
                long pending = bytes.get();
                guard.check(pending, pending <= limit);
                if (pending <= limit) {
                    return;
                }
                FiberParking.parkUntil(blocker, deadlineNanos);
                FiberParking.checkInterrupts();
            }
        } finally {
            waiters.remove(self);
        }
    }
}
