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
        Runnable own = this.continuation;
        if (own == null) {
            // The fiber's thread submits first, when it starts: nothing else can know this scheduler before.
            this.continuation = own = continuation;
        }
        if (continuation != own) {
            // A virtual thread created inside the fiber inherits its scheduler, this runner: run it on the loop
            // as a plain callback, without taking over the fiber's continuation and state.
            loop.execute(continuation);
            return;
        }
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
