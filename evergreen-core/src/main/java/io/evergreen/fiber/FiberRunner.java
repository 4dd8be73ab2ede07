package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.MountedTask;

import java.util.concurrent.Executor;

/**
 * The scheduler of one fiber's virtual thread in {@code LOOP} mode. The JDK hands it the thread's
 * continuation each time the thread becomes ready; it queues itself on the fiber's loop, which mounts the
 * thread on the loop thread. The continuation task never changes, so a wake-up allocates nothing.
 * <p>
 * A virtual thread created inside the fiber ({@code Thread.ofVirtual()}, a library's virtual-thread
 * executor) inherits this scheduler from its creator. Its continuations are told apart from the fiber's own
 * (the first one this runner ever receives, at {@code start}) and go to the loop as plain callbacks: such a
 * thread runs on the fiber's loop, but is not the fiber.
 */
final class FiberRunner implements Executor, MountedTask {

    private final Fiber<?> fiber;
    private final EventLoop loop;
    private volatile Runnable ownContinuation;

    FiberRunner(Fiber<?> fiber, EventLoop loop) {
        this.fiber = fiber;
        this.loop = loop;
    }

    @Override
    public void execute(Runnable continuation) {
        Runnable own = ownContinuation;
        if (own == null) {
            // The fiber's own thread starts before any thread it creates can: the first task is its own.
            ownContinuation = own = continuation;
        }
        if (continuation == own) {
            fiber.markRunnable();
            loop.execute(this);
        } else {
            loop.execute(continuation);
        }
    }

    @Override
    public void run() {
        fiber.markRunning();
        ownContinuation.run();
        fiber.markParkedIfStillRunning();
    }

    @Override
    public Thread mountedThread() {
        return fiber.thread();
    }

    @Override
    public Fiber<?> binding() {
        return fiber;
    }
}
