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
}
