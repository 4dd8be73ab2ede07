package io.evergreen.loop;

import java.util.ArrayDeque;

/**
 * Callbacks ready to run on the loop, in FIFO order, plus one LIFO slot.
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

    private final ArrayDeque<Runnable> fifo = new ArrayDeque<>(256);
    private Runnable lifoSlot;
    private int lifoRunsInRow;

    void addLast(Runnable callback) {
        fifo.addLast(callback);
    }

    void putInLifoSlot(Runnable callback) {
        Runnable displaced = lifoSlot;
        lifoSlot = callback;
        if (displaced != null) {
            fifo.addLast(displaced);
        }
    }

    /** Callbacks waiting, the LIFO slot included. */
    int size() {
        return fifo.size() + (lifoSlot == null ? 0 : 1);
    }

    boolean isEmpty() {
        return lifoSlot == null && fifo.isEmpty();
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
        int limit = fifo.isEmpty() ? MAX_LIFO_RUNS_WHEN_ALONE : MAX_LIFO_RUNS_IN_A_ROW;
        if (lifoRunsInRow++ < limit) {
            return next;
        }
        lifoRunsInRow = 0;
        fifo.addLast(next);
        return null;
    }

    Runnable pollFirst() {
        Runnable next = fifo.pollFirst();
        if (next == null && lifoSlot != null) {
            next = lifoSlot;
            lifoSlot = null;
        }
        return next;
    }
}
