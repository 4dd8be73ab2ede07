package io.evergreen.loop;

/**
 * A ready callback that mounts a virtual thread on the loop thread and runs it until it parks.
 * <p>
 * The loop records the mounted thread while the task runs, so that {@link EventLoop#inLoop()} is true
 * for code running inside it, wake-ups it causes take the loop's LIFO slot, and a loop blocked by it can
 * be blamed on a named thread with a stack.
 */
public interface MountedTask extends Runnable {

    /**
     * The virtual thread this task mounts.
     */
    Thread mountedThread();

    /**
     * What the mounted thread is bound to (its fiber): what {@link EventLoop#currentBinding()} returns inside
     * it, found through the carrier thread instead of a thread-local of the virtual thread.
     */
    LoopBound binding();

    /**
     * Whether running the task now continues work already under way (a started fiber woken from a park: a
     * timer, a lock or monitor released, I/O ready) rather than starting new work or coming back from a
     * yield. The loop runs such tasks ahead of new work (see {@code ReadyQueue}). Read by the loop thread after
     * the task was handed to {@link EventLoop#execute}.
     */
    default boolean resumesWork() {
        return false;
    }
}
