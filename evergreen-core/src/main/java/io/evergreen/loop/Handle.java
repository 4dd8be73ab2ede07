package io.evergreen.loop;

/**
 * A callback scheduled on an {@link EventLoop}, which can be cancelled until it has run.
 */
public interface Handle {

    /**
     * Prevents the callback from running, if it has not run yet. Safe from any thread.
     * @return whether this call cancelled it (false when it already ran or was cancelled)
     */
    boolean cancel();

    /**
     * Whether {@link #cancel()} prevented the callback from running.
     */
    boolean isCancelled();

    /** Whether the callback has run or was cancelled: it will not run any more. */
    boolean isDone();
}
