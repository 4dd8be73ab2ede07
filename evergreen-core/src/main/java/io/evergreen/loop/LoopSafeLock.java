package io.evergreen.loop;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A mutual-exclusion lock for state that loop threads share with fibers and other threads: a loop thread never
 * parks on it.
 * <p>
 * A fiber that waits for a lock unmounts, and runs again only when its loop thread runs it. A loop thread parked on
 * a lock that one of its own fibers waits for would wait forever: the lock goes to the fiber queued first, which
 * cannot run. A monitor is worse on JDK 25: a fiber that meets a contended {@code synchronized} unmounts, and the
 * JVM may hand it the monitor while it is unmounted, so that the fiber holds it until its loop runs it. That is
 * how a loop thread blocked for good under load (issue 6): it registered a new request's fiber while a fiber of its
 * own, ending, had been handed the registry's monitor, because a dashboard read the census from another thread.
 * <p>
 * Here fibers and other threads wait as they would for a {@link ReentrantLock}, and a loop thread spins on
 * {@link ReentrantLock#tryLock()} instead, yielding its CPU now and then. Spinning is enough because nothing holds
 * this lock while waiting: the sections it guards never park, so its holder is a running thread, or a fiber
 * mounted on one, and releases it within the section. Keep them short, and free of anything that may wait.
 * <p>
 * A loop thread may spin for as long as the holder's section lasts: a census of the loop's fibers from a scrape
 * walks every fiber under the registry's lock, a millisecond or so per million. A fiber pinned to its loop thread
 * (a native frame, a class initialiser) that waits for the lock parks that thread, as any wait of a pinned fiber
 * does: the blocked-loop watchdog names such a fiber.
 */
public final class LoopSafeLock {

    /** Spins between two yields of a loop thread's CPU, for a holder that the OS has descheduled. */
    static final int SPINS_PER_YIELD = 64;

    private final ReentrantLock lock = new ReentrantLock();

    /** Takes the lock: a fiber or a plain thread waits as usual; a loop thread spins until it is free. */
    public void lock() {
        lock(lock);
    }

    /**
     * Takes a {@link ReentrantLock} the same way, for a class that needs its conditions (a channel, say). Its holders
     * must not park either, except in {@link java.util.concurrent.locks.Condition#await()}, which lets go of it.
     */
    public static void lock(ReentrantLock lock) {
        if (EventLoop.onLoopThread()) {
            for (int spins = 1; !lock.tryLock(); spins++) {
                if (spins % SPINS_PER_YIELD == 0) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
        } else {
            lock.lock();
        }
    }

    /** Runs a short section under the lock (see {@link #lock()}) and returns what it returns. */
    public <T> T locked(Supplier<T> section) {
        lock();
        try {
            return section.get();
        } finally {
            unlock();
        }
    }

    /** Lets go of the lock, which the calling thread holds. */
    public void unlock() {
        lock.unlock();
    }

    /** Whether the calling thread holds the lock. */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }
}
