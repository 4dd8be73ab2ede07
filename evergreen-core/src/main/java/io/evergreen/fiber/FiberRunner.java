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
 * <p>
 * One wake-up in {@value #SAMPLE_EVERY} is timed from the wake-up to the mount, for the loop's schedule-delay
 * statistics; the others cost an increment.
 */
final class FiberRunner implements Executor, MountedTask {

    static final int SAMPLE_EVERY = 64;

    private final Fiber<?> fiber;
    private final EventLoop loop;
    private volatile Runnable ownContinuation;
    /** Counts the fiber's wake-ups; offset by its id so that one fiber in 64 has its start sampled. */
    private int wakeups;
    /** When the sampled wake-up happened, or 0. Published to the loop thread by {@code loop.execute}. */
    private long wokenAtNanos;

    FiberRunner(Fiber<?> fiber, EventLoop loop, long seed) {
        this.fiber = fiber;
        this.loop = loop;
        this.wakeups = (int) seed;
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
            // A fiber wakes once per park, so this counter has one writer at a time.
            if ((wakeups++ & (SAMPLE_EVERY - 1)) == 0) {
                wokenAtNanos = System.nanoTime();
            }
            loop.execute(this);
        } else {
            loop.execute(continuation);
        }
    }

    @Override
    public void run() {
        long wokenAt = wokenAtNanos;
        if (wokenAt != 0) {
            wokenAtNanos = 0;
            loop.stats().scheduleDelay().record(System.nanoTime() - wokenAt);
        }
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
