package io.evergreen.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pending / ran / cancelled state of a scheduled callback, decided by one compare-and-set so that
 * a cancel racing with the loop either wins (the callback never runs) or loses (cancel returns false).
 */
abstract class OneShot {

    private static final int PENDING = 0;
    private static final int RAN = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OneShot.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;

    /** Claims the right to run; false when cancelled first. */
    final boolean tryRun() {
        return STATE.compareAndSet(this, PENDING, RAN);
    }

    final boolean tryCancel() {
        return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    public final boolean isCancelled() {
        return state == CANCELLED;
    }

    public final boolean isDone() {
        return state != PENDING;
    }
}
