package io.evergreen.sync;

import io.evergreen.fiber.FiberParking;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A flag that fibers and threads wait on: {@link #set()} wakes every waiter, {@link #clear()} resets it.
 * A waiter woken by {@code set} returns true even when the flag was cleared again before it ran (as in
 * Python's {@code threading.Event}). Waiting parks a fiber, never its loop; a timed wait in a fiber uses
 * its loop's timer; a cancelled fiber's wait ends with {@link io.evergreen.fiber.FiberCancelledException}.
 */
public final class Event {

    private static final VarHandle WAITERS;
    private static final VarHandle FLAG;
    private static final VarHandle GENERATION;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WAITERS = lookup.findVarHandle(Event.class, "waiters", Waiter.class);
            FLAG = lookup.findVarHandle(Event.class, "flag", boolean.class);
            GENERATION = lookup.findVarHandle(Event.class, "generation", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile boolean flag;
    /** Incremented by each {@link #set()} that raised the flag: a waiter wakes when it moves on. */
    private volatile long generation;
    private volatile Waiter waiters;

    public boolean isSet() {
        return flag;
    }

    /**
     * Raises the flag and wakes every waiter. Safe from any thread, a loop's callbacks included: it takes no lock,
     * since a loop thread must never wait for one that a fiber may hold (see {@code LoopSafeLock}).
     */
    public void set() {
        if (flag) {
            return;
        }
        // The generation before the flag: a waiter that comes after a clear() racing this set sees the new generation,
        // so it waits for the next set, as it would have had the clear come after. A waiter that saw neither move is
        // on the list taken below, or sees the flag when it checks again.
        GENERATION.getAndAdd(this, 1L);
        if (!FLAG.compareAndSet(this, false, true)) {
            return; // another set raised it, and wakes the waiters
        }
        Waiter stack = (Waiter) WAITERS.getAndSet(this, null);
        for (Waiter w = stack; w != null; w = w.next) {
            Thread waiter = w.thread;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }

    /** Lowers the flag; later waiters wait for the next {@link #set()}. */
    public void clear() {
        flag = false;
    }

    /** Waits until the flag is set. */
    public void await() {
        await(Long.MAX_VALUE);
    }

    /** Waits until the flag is set or the timeout passes. @return whether it was set */
    public boolean await(Duration timeout) {
        long nanos = timeout.toNanos();
        return await(nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : System.nanoTime() + nanos);
    }

    private boolean await(long deadlineNanos) {
        if (flag) {
            return true;
        }
        long seen = generation;
        Waiter waiter = new Waiter(Thread.currentThread());
        do {
            waiter.next = waiters;
        } while (!WAITERS.compareAndSet(this, waiter.next, waiter));
        boolean woken = false;
        try {
            while (!flag && generation == seen) {
                if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0) {
                    return false;
                }
                FiberParking.parkUntil(this, deadlineNanos);
                if (!flag && generation == seen) {
                    FiberParking.checkInterrupts();
                }
            }
            woken = true;
            return true;
        } finally {
            if (!woken) {
                // Timed out or cancelled: leave no node behind, or an Event polled with timeouts grows forever.
                removeWaiter(waiter);
            }
        }
    }

    /** Nodes on the waiter list (for tests: gave-up waiters must not accumulate). */
    int waiterNodes() {
        int n = 0;
        for (Waiter w = waiters; w != null; w = w.next) {
            n++;
        }
        return n;
    }

    /** Unlinks a waiter that gave up (the algorithm of FutureTask.removeWaiter). */
    private void removeWaiter(Waiter node) {
        node.thread = null;
        retry:
        while (true) {
            for (Waiter pred = null, q = waiters, s; q != null; q = s) {
                s = q.next;
                if (q.thread != null) {
                    pred = q;
                } else if (pred != null) {
                    pred.next = s;
                    if (pred.thread == null) {
                        continue retry;
                    }
                } else if (!WAITERS.compareAndSet(this, q, s)) {
                    continue retry;
                }
            }
            break;
        }
    }

    @Override
    public String toString() {
        return "Event[" + (flag ? "set" : "clear") + "]";
    }

    private static final class Waiter {
        volatile Thread thread;
        volatile Waiter next;

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }
}
