package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.MountedTask;

import java.util.concurrent.Executor;

/**
 * The scheduler of one fiber's virtual thread in {@code LOOP} mode. The JDK hands it the thread's
 * continuation each time the thread becomes ready; it queues itself on the fiber's loop, which mounts the
 * thread on the loop thread. The continuation task never changes, so a wake-up allocates nothing.
 */
final class FiberRunner implements Executor, MountedTask {

    private final Fiber<?> fiber;
    private final EventLoop loop;
    private Runnable continuation;

    FiberRunner(Fiber<?> fiber, EventLoop loop) {
        this.fiber = fiber;
        this.loop = loop;
    }

    @Override
    public void execute(Runnable continuation) {
        this.continuation = continuation;
        fiber.markRunnable();
        loop.execute(this);
    }

    @Override
    public void run() {
        fiber.markRunning();
        continuation.run();
        fiber.markParkedIfStillRunning();
    }

    @Override
    public Thread mountedThread() {
        return fiber.thread();
    }
}
