package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.JdkVirtualThreadHook;
import io.evergreen.loop.MountedTask;

/**
 * What the loop runs to mount one fiber's virtual thread in {@code LOOP} mode. It takes the place of the
 * thread's own continuation task ({@link JdkVirtualThreadHook#replaceContinuation}), so that the JDK hands
 * it to the loop's {@link LoopScheduler} each time the thread becomes ready: the scheduler then knows the
 * fiber without a lookup, marks it runnable and queues this task, which never changes, so that a wake-up
 * allocates nothing.
 * <p>
 * One wake-up in {@value #SAMPLE_EVERY} is timed from the wake-up to the mount, for the loop's schedule-delay
 * statistics; the others cost an increment.
 */
final class FiberRunner implements MountedTask {

    static final int SAMPLE_EVERY = 64;

    private final Fiber<?> fiber;
    private final EventLoop loop;
    private final Runnable continuation;
    /** Counts the fiber's wake-ups; offset by its id so that one fiber in 64 has its start sampled. */
    private int wakeups;
    /** When the sampled wake-up happened, or 0. Published to the loop thread by {@code loop.execute}. */
    private long wokenAtNanos;
    /** Whether the thread has run at least once. Loop thread only. */
    private boolean started;
    /** Whether the thread is mounted right now: a wake-up then comes from the fiber itself (a yield). */
    private boolean mounted;
    /**
     * What the latest wake-up was, for the loop's queue; published with the task by {@code loop.execute}.
     * Measured: counting yields as resumptions too made the tail of a yield-per-request load worse (p99 0.5 s
     * to 1.0–1.3 s at 1,000 connections), since new requests then waited behind every yield.
     */
    private boolean resumesWork;

    /** Becomes the task of {@code thread}, the fiber's virtual thread, not yet started. */
    FiberRunner(Fiber<?> fiber, Thread thread, EventLoop loop, long seed) {
        this.fiber = fiber;
        this.loop = loop;
        this.wakeups = (int) seed;
        this.continuation = JdkVirtualThreadHook.replaceContinuation(thread, this);
    }

    /** The fiber's thread is ready to run: queue it on its loop. */
    void wake() {
        fiber.markRunnable();
        // Woken from a park by someone else: it continues started work. Its start and its own yields do not.
        resumesWork = started && !mounted;
        // A fiber wakes once per park, so this counter has one writer at a time.
        if ((wakeups++ & (SAMPLE_EVERY - 1)) == 0) {
            wokenAtNanos = System.nanoTime();
        }
        loop.execute(this);
    }

    @Override
    public void run() {
        long wokenAt = wokenAtNanos;
        if (wokenAt != 0) {
            wokenAtNanos = 0;
            loop.stats().scheduleDelay().record(System.nanoTime() - wokenAt);
        }
        fiber.markRunning();
        started = true;
        mounted = true;
        try {
            continuation.run();
        } finally {
            mounted = false;
        }
        fiber.markParkedIfStillRunning();
    }

    @Override
    public boolean resumesWork() {
        return resumesWork;
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
