package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.Handle;

import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler of every virtual thread of one loop in {@code LOOP} mode: each ready thread goes to the
 * loop, and each timeout goes on the loop's own timer heap.
 * <p>
 * Why a {@link ForkJoinPool}: the JDK runs a virtual thread's timed waits ({@code Thread.sleep},
 * {@code parkNanos}, {@code Object.wait(ms)}, every timed lock or queue wait) through {@code schedule} when
 * its scheduler is a {@code ForkJoinPool}, and otherwise through one JVM-wide timer thread
 * ({@code VirtualThread-unparker}). That thread cost about 15 µs of CPU per 20 ms sleep under load, took its
 * share of the cores from the loops, and woke each sleeper with a cross-thread hand-off. Here the loop that
 * runs the thread also runs its timer: the JDK calls {@code schedule} on the loop thread as the thread
 * parks, and the timer's wake-up is a plain callback of that loop. The pool itself never starts a worker.
 * <p>
 * A fiber's thread hands in its {@link FiberRunner} (see {@code JdkVirtualThreadHook.replaceContinuation});
 * any other task is a virtual thread created inside a fiber, which inherits this scheduler and runs on the
 * loop as a plain callback, not as the fiber.
 */
final class LoopScheduler extends ForkJoinPool {

    private final EventLoop loop;

    LoopScheduler(EventLoop loop) {
        super(1);
        this.loop = Objects.requireNonNull(loop, "loop");
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof FiberRunner runner) {
            runner.wake();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(delay);
        Handle timer = loop.callAt(deadline, command);
        return new LoopTimeout(timer, deadline);
    }

    @Override
    public String toString() {
        return "LoopScheduler[" + loop + "]";
    }
}
