package io.evergreen.loop;

import java.util.ArrayDeque;

/**
 * Callbacks ready to run on the loop: work resumed, then everything else, each in FIFO order, plus one LIFO
 * slot.
 * <p>
 * Resumed work (a started fiber woken from a park, see {@link MountedTask#resumesWork()}) runs ahead of new
 * work (fibers not started yet, yields, plain callbacks): under saturation a loop then finishes the requests
 * it has begun before it begins more. Without it a fiber woken from a monitor that fibers of other loops also
 * take queued behind the loop's whole backlog, found the monitor taken again when its turn came, blocked again
 * and went back to the end: a convoy in which a few requests of the HTTP benchmark waited seconds (DESIGN
 * hazard 2; fiber dumps under load showed 120 of 200 parked fibers blocked on {@code SecureRandom}, Spring's
 * bean registry and Tomcat's processor cache). New work still gets one turn in every
 * {@link #MAX_RESUMED_IN_A_ROW} + 1 while both lanes wait, so nothing starves.
 * <p>
 * The LIFO slot holds the fiber most recently woken by the fiber running on this loop (Tokio's trick):
 * it runs right after the waker parks, while its data is hot in cache, instead of queueing behind every
 * other ready fiber. That is what stops a fiber woken from a monitor or lock from losing its turn again
 * and again at the back of a saturated queue (a convoy). A fiber displaced from the slot goes to the
 * back of the FIFO, and the slot is bypassed after {@link #MAX_LIFO_RUNS_IN_A_ROW} runs in a row (while other
 * callbacks wait; {@link #MAX_LIFO_RUNS_WHEN_ALONE} when none does) so that two fibers waking each other cannot
 * starve the rest, nor the loop's timers and I/O. Loop thread only.
 */
final class ReadyQueue {

    static final int MAX_LIFO_RUNS_IN_A_ROW = 3;
    /**
     * While no other callback waits, the slot may chain longer (two fibers handing work back and forth), but
     * not forever: the loop must still get to its timers and its I/O poll.
     */
    static final int MAX_LIFO_RUNS_WHEN_ALONE = 64;

    static final int MAX_RESUMED_IN_A_ROW = 32;

    private final ArrayDeque<Runnable> resumed = new ArrayDeque<>(256);
    private final ArrayDeque<Runnable> fifo = new ArrayDeque<>(256);
    private Runnable lifoSlot;
    private int lifoRunsInRow;
    private int resumedRunsInRow;

    /** Queues a callback in the lane its kind belongs to: resumed work ahead of the rest. */
    void add(Runnable callback) {
        if (callback instanceof MountedTask task && task.resumesWork()) {
            resumed.addLast(callback);
        } else {
            fifo.addLast(callback);
        }
    }

    /** Queues resumed work ahead of all other: a fiber that yields behind the one it woke (see EventLoop). */
    void addFirstResumed(Runnable callback) {
        resumed.addFirst(callback);
    }

    boolean hasLifoSlot() {
        return lifoSlot != null;
    }

    void putInLifoSlot(Runnable callback) {
        Runnable displaced = lifoSlot;
        lifoSlot = callback;
        if (displaced != null) {
            add(displaced);
        }
    }

    /** Callbacks waiting, the LIFO slot included. */
    int size() {
        return resumed.size() + fifo.size() + (lifoSlot == null ? 0 : 1);
    }

    boolean isEmpty() {
        return lifoSlot == null && resumed.isEmpty() && fifo.isEmpty();
    }

    /**
     * Takes the LIFO slot if it may run now, else null. The slot does not count against the callbacks
     * of the current phase: it continues the work of the callback that just ran.
     */
    Runnable pollLifoSlot() {
        Runnable next = lifoSlot;
        if (next == null) {
            lifoRunsInRow = 0;
            return null;
        }
        lifoSlot = null;
        int limit = resumed.isEmpty() && fifo.isEmpty() ? MAX_LIFO_RUNS_WHEN_ALONE : MAX_LIFO_RUNS_IN_A_ROW;
        if (lifoRunsInRow++ < limit) {
            return next;
        }
        lifoRunsInRow = 0;
        add(next);
        return null;
    }

    Runnable pollFirst() {
        Runnable next;
        if (!resumed.isEmpty() && (fifo.isEmpty() || resumedRunsInRow < MAX_RESUMED_IN_A_ROW)) {
            next = resumed.pollFirst();
            resumedRunsInRow++;
        } else {
            next = fifo.pollFirst();
            resumedRunsInRow = 0;
        }
        if (next == null && lifoSlot != null) {
            next = lifoSlot;
            lifoSlot = null;
        }
        return next;
    }
}
