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
}
