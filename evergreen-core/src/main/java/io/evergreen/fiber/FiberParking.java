package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.Handle;
import io.evergreen.loop.SchedulerMode;

import java.util.concurrent.locks.LockSupport;

/**
 * Parking for code that builds blocking primitives on {@link LockSupport} (evergreen's own {@code Event},
 * {@code Channel} and {@code Result} do): timed parks of a fiber use its loop's timer heap instead of the
 * JDK's unparker thread, and wake-ups turn a pending cancellation or timeout into its exception.
 * <p>
 * A primitive waits in a loop: {@code while (!condition) { parkUntil(this, deadline); checkInterrupts(); }}.
 */
public final class FiberParking {

    private FiberParking() {
    }

    /**
     * Parks the caller until unparked, interrupted or {@code deadlineNanos} ({@link System#nanoTime()}) passes;
     * may return spuriously. {@code deadlineNanos == Long.MAX_VALUE} parks without a deadline.
     */
    public static void parkUntil(Object blocker, long deadlineNanos) {
        if (deadlineNanos == Long.MAX_VALUE) {
            LockSupport.park(blocker);
            return;
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return;
        }
        Fiber<?> fiber = Fiber.current();
        EventLoop loop = fiber == null ? null : fiber.loop();
        if (loop == null || loop.mode() != SchedulerMode.LOOP) {
            LockSupport.parkNanos(blocker, remaining);
            return;
        }
        // The loop's own timer wakes the fiber: no hand-off through the JDK's delayed-task thread.
        Handle timer = loop.callAt(deadlineNanos, fiber.unparker());
        try {
            LockSupport.park(blocker);
        } finally {
            timer.cancel();
        }
    }

    /**
     * Throws what a wake-up carried: {@link FiberCancelledException} once after {@link Fiber#cancel()},
     * {@link FiberTimeoutException} when a {@link Timeout} of this fiber expired, and
     * {@link FiberCancelledException} for a non-fiber thread that was interrupted (its interrupt status kept).
     */
    public static void checkInterrupts() {
        Fiber<?> fiber = Fiber.current();
        if (fiber != null) {
            if (fiber.hasPendingInterrupt()) {
                fiber.throwPendingInterrupt();
            }
        } else if (Thread.currentThread().isInterrupted()) {
            throw new FiberCancelledException(Thread.currentThread() + " was interrupted while waiting");
        }
    }

    /**
     * Turns a JDK {@link InterruptedException} caught inside an evergreen blocking call into the exception
     * it stands for (see {@link #checkInterrupts()}); never returns normally.
     */
    public static RuntimeException translate(InterruptedException e) {
        Fiber<?> fiber = Fiber.current();
        if (fiber != null) {
            // The JDK cleared the interrupt status; put it back so that throwPendingInterrupt sees a cause.
            Thread.currentThread().interrupt();
            fiber.throwPendingInterrupt();
            Thread.interrupted();
            return new FiberCancelledException(fiber + " was interrupted while waiting", e);
        }
        Thread.currentThread().interrupt();
        return new FiberCancelledException(Thread.currentThread() + " was interrupted while waiting", e);
    }
}
