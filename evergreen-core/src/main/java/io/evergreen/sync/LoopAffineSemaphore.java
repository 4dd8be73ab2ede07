package io.evergreen.sync;

import io.evergreen.fiber.FiberParking;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.LoopSafeLock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A counting semaphore that hands a released permit to a waiter of the releasing fiber's own loop first: that
 * waiter runs as soon as the releaser parks or ends (the loop's LIFO slot), where a waiter of another loop queues
 * behind everything its loop has to run.
 * <p>
 * Why: a pooled resource (a JDBC connection) handed from a fiber of one loop to the longest waiter, as a fair
 * pool does, goes to a fiber of another loop about half the time on two loops; there it waits for its loop while
 * the resource sits idle. A work-stealing pool would run that waiter on any free carrier; a loop never lends its
 * fibers. Keeping hand-offs within a loop is the same answer that event-loop runtimes give their pools (Vert.x's
 * SQL client pools are per event loop).
 * <p>
 * Fairness is bounded: the releaser's loop is preferred only while no waiter of another loop has waited more than
 * {@code passOverLimit} longer than the one that would be preferred; past that, the oldest waiter gets the permit,
 * whichever loop it is on. Waiters of one loop (and threads that are not fibers, which count as one more queue) are
 * served in arrival order. A permit is never left free while anyone waits.
 * <p>
 * Waiting parks a fiber, never its loop, and a timed wait in a fiber uses its loop's timer; a loop's own thread may
 * {@link #release()} (it never waits for the lock that fibers take here) but may not wait for a permit.
 */
public final class LoopAffineSemaphore {

    /** How much longer than the preferred waiter another loop's oldest waiter may have waited, by default. */
    public static final Duration DEFAULT_PASS_OVER_LIMIT = Duration.ofMillis(5);

    /** The queue key of waiters that are not fibers of a loop. */
    private static final Object NOT_ON_A_LOOP = new Object();

    /** Queues kept (one per loop that ever waited) before empty ones are dropped. */
    private static final int PRUNE_ABOVE = 64;

    private final long passOverLimitNanos;
    private final LoopSafeLock lock = new LoopSafeLock();
    /** Written under the lock, read without it: a pool checks it at each request for a connection. */
    private volatile int permits;
    /**
     * Guarded by the lock, as is everything below. Free permits; they exist only while nobody waits. Negative after
     * {@link #resize} took away permits that were taken: so many releases pay that debt before a waiter gets one.
     */
    private int available;
    private final List<WaiterQueue> queues = new ArrayList<>();
    private long sameLoopHandOffs;
    private long otherLoopHandOffs;

    public LoopAffineSemaphore(int permits) {
        this(permits, DEFAULT_PASS_OVER_LIMIT);
    }

    public LoopAffineSemaphore(int permits, Duration passOverLimit) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, got " + permits);
        }
        if (passOverLimit.isNegative()) {
            throw new IllegalArgumentException("passOverLimit must not be negative, got " + passOverLimit);
        }
        this.permits = permits;
        this.available = permits;
        this.passOverLimitNanos = passOverLimit.toNanos();
    }

    /**
     * Takes a permit, waiting up to {@code timeout} for one.
     * @return whether a permit was taken; false when the timeout passed first
     * @throws IllegalStateException on a loop's own thread, which must never wait
     * @throws io.evergreen.fiber.FiberCancelledException when the waiting fiber is cancelled (no permit is kept)
     */
    public boolean tryAcquire(Duration timeout) {
        if (EventLoop.onLoopThread()) {
            throw new IllegalStateException("A loop's own thread must not wait for a permit: acquire from a fiber");
        }
        long nanos = timeout.toNanos();
        long deadline = nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : System.nanoTime() + nanos;
        Waiter waiter;
        lock.lock();
        try {
            if (available > 0) {
                available--;
                return true;
            }
            if (nanos <= 0) {
                return false;
            }
            Object key = queueKey();
            waiter = new Waiter(Thread.currentThread(), key, System.nanoTime());
            queueOf(key).waiters.addLast(waiter);
        } finally {
            lock.unlock();
        }
        return await(waiter, deadline);
    }

    private boolean await(Waiter waiter, long deadline) {
        boolean done = false;
        try {
            while (!waiter.granted) {
                if (deadline != Long.MAX_VALUE && deadline - System.nanoTime() <= 0) {
                    break;
                }
                FiberParking.parkUntil(this, deadline);
                if (!waiter.granted) {
                    FiberParking.checkInterrupts();
                }
            }
            done = true;
        } finally {
            if (!giveUp(waiter) && !done) {
                release(); // granted while being cancelled: pass the permit on rather than lose it
            }
        }
        return waiter.granted;
    }

    /** Takes a waiter that timed out or was cancelled off its queue. @return false when it was granted meanwhile */
    private boolean giveUp(Waiter waiter) {
        if (waiter.granted) {
            return false;
        }
        lock.lock();
        try {
            if (waiter.granted) {
                return false;
            }
            queueOf(waiter.queueKey).waiters.remove(waiter);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives a permit back: to a waiter of the caller's loop first (within the pass-over limit), else the oldest. A
     * fiber that hands its permit to a waiter of its own loop lets that waiter run at once, and continues right
     * after it ({@link EventLoop#yieldBehindWoken}): the permit's resource goes back to work before the rest of the
     * releaser's slice, instead of after it.
     */
    public void release() {
        Object key = queueKey();
        Waiter next;
        lock.lock();
        try {
            if (available < 0) {
                available++; // a permit that resize() took away while it was taken
                return;
            }
            next = chooseNext(key);
            if (next == null) {
                if (available == permits) {
                    throw new IllegalStateException("release() without a permit taken: all " + permits
                            + " permits are free");
                }
                available++;
                return;
            }
            next.granted = true;
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(next.thread);
        if (next.queueKey == key && key instanceof EventLoop loop) {
            loop.yieldBehindWoken();
        }
    }

    /** The waiter a release by a caller of queue {@code key} goes to, taken off its queue; null when none waits. */
    private Waiter chooseNext(Object key) {
        WaiterQueue oldest = oldestQueue();
        if (oldest == null) {
            return null;
        }
        WaiterQueue own = oldest.key == key ? oldest : queueWithWaiters(key);
        if (own != null && own.waiters.peekFirst().since - oldest.waiters.peekFirst().since <= passOverLimitNanos) {
            sameLoopHandOffs++;
            return own.waiters.pollFirst();
        }
        otherLoopHandOffs++;
        return oldest.waiters.pollFirst();
    }

    /** The queue whose first waiter has waited longest; null when none waits. */
    private WaiterQueue oldestQueue() {
        WaiterQueue oldest = null;
        for (WaiterQueue queue : queues) {
            Waiter head = queue.waiters.peekFirst();
            if (head != null && (oldest == null || head.since - oldest.waiters.peekFirst().since < 0)) {
                oldest = queue;
            }
        }
        return oldest;
    }

    /** The queue of {@code key} when someone waits in it; else null. */
    private WaiterQueue queueWithWaiters(Object key) {
        for (WaiterQueue queue : queues) {
            if (queue.key == key) {
                return queue.waiters.isEmpty() ? null : queue;
            }
        }
        return null;
    }

    /**
     * Changes the number of permits, as a pool that is resized while it runs changes its number of connections.
     * Added permits go to the oldest waiters at once. Permits taken away that are taken now are taken away as they
     * are released: until then the holders keep them, and no waiter gets one.
     * @throws IllegalArgumentException when {@code newPermits} is below 1
     */
    public void resize(int newPermits) {
        if (newPermits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, got " + newPermits);
        }
        List<Waiter> granted = new ArrayList<>();
        lock.lock();
        try {
            available += newPermits - permits;
            permits = newPermits;
            for (WaiterQueue oldest; available > 0 && (oldest = oldestQueue()) != null; available--) {
                Waiter next = oldest.waiters.pollFirst();
                next.granted = true;
                granted.add(next);
            }
        } finally {
            lock.unlock();
        }
        for (Waiter waiter : granted) {
            LockSupport.unpark(waiter.thread);
        }
    }

    private static Object queueKey() {
        EventLoop loop = EventLoop.current();
        return loop != null ? loop : NOT_ON_A_LOOP;
    }

    private WaiterQueue queueOf(Object key) {
        for (WaiterQueue queue : queues) {
            if (queue.key == key) {
                return queue;
            }
        }
        if (queues.size() >= PRUNE_ABOVE) {
            queues.removeIf(queue -> queue.waiters.isEmpty()); // queues of loops long gone, say
        }
        WaiterQueue queue = new WaiterQueue(key);
        queues.add(queue);
        return queue;
    }

    /** The number of permits: as made, or as last {@linkplain #resize resized}. */
    public int permits() {
        return permits;
    }

    /** Permits free right now. */
    public int availablePermits() {
        return lock.locked(() -> available);
    }

    /** Fibers and threads waiting for a permit right now. */
    public int waiting() {
        return lock.locked(this::waitingNow);
    }

    private int waitingNow() {
        int waiting = 0;
        for (WaiterQueue queue : queues) {
            waiting += queue.waiters.size();
        }
        return waiting;
    }

    /** Permits handed by a release straight to a waiter of the releaser's own loop, so far. */
    public long sameLoopHandOffs() {
        return lock.locked(() -> sameLoopHandOffs);
    }

    /** Permits handed by a release to a waiter elsewhere (another loop, or a thread that is not a fiber), so far. */
    public long otherHandOffs() {
        return lock.locked(() -> otherLoopHandOffs);
    }

    @Override
    public String toString() {
        return lock.locked(() -> "LoopAffineSemaphore[" + available + " of " + permits + " free, " + waitingNow()
                + " waiting]");
    }

    private static final class WaiterQueue {
        final Object key;
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

        WaiterQueue(Object key) {
            this.key = Objects.requireNonNull(key);
        }
    }

    private static final class Waiter {
        final Thread thread;
        final Object queueKey;
        final long since;
        volatile boolean granted;

        Waiter(Thread thread, Object queueKey, long since) {
            this.thread = thread;
            this.queueKey = queueKey;
            this.since = since;
        }
    }
}
