package io.evergreen.fiber;

/**
 * The life of a fiber. {@link #DONE}, {@link #FAILED} and {@link #CANCELLED} are final.
 */
public enum FiberState {
    /** Created, not started: runs only once started or switched into. */
    NEW,
    /** Ready to run, waiting for its loop. */
    RUNNABLE,
    /** Mounted on its loop's thread right now. */
    RUNNING,
    /** Waiting: sleeping, on a lock or queue, on I/O, or suspended in a switch. */
    PARKED,
    /** Returned normally. */
    DONE,
    /** Ended with an exception. */
    FAILED,
    /** Cancelled before it started, or ended after being cancelled. */
    CANCELLED;

    public boolean isTerminal() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }
}
