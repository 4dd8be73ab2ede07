package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.Handle;
import io.evergreen.sync.Event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Structured concurrency without preview APIs: children spawned in a group end before the group is left.
 * <pre>{@code
 * try (FiberGroup group = FiberGroup.open(Duration.ofSeconds(2))) {
 *     Fiber<User> user = group.spawn(() -> users.find(id));
 *     Fiber<List<Order>> orders = group.spawn(() -> orders.of(id));
 *     group.join();
 *     return new Page(user.result(), orders.result());
 * }
 * }</pre>
 * The first child to fail cancels its siblings, and {@link #join()} throws its failure once all have ended.
 * A deadline cancels every child when it passes. {@link #close()} cancels the children still running and
 * waits for them. Children run on the opener's loop (or a loop of the default group outside fibers), have
 * the opening fiber as parent, and inherit its inheritable {@link FiberLocal}s.
 */
public final class FiberGroup implements AutoCloseable {

    private final EventLoop loop;
    private final long deadlineNanos;
    private final Duration deadline;
    private final List<Fiber<?>> children = new ArrayList<>();
    private final AtomicReference<Fiber<?>> firstFailed = new AtomicReference<>();
    /** Children started and not yet ended; guarded by this group's monitor, like {@link #allEnded}'s flag. */
    private int running;
    /** Set whenever no child is running. */
    private final Event allEnded = new Event();
    private volatile boolean deadlinePassed;
    private final Handle deadlineTimer;
    private boolean closed;

    private FiberGroup(Duration deadline) {
        Fiber<?> opener = Fiber.current();
        this.loop = opener != null ? opener.loop() : Fiber.defaultGroup().next();
        this.deadline = deadline;
        this.deadlineNanos = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        // The deadline cancels the children even when nobody waits in join() (the opener may join a child). The timer
        // fires on the loop thread, which must never wait for the group's monitor: a fiber may hold it, unmounted
        // (one spawning a child, say, waits for the loop's fiber registry). So a fiber of its own does the work.
        this.deadlineTimer = deadline == null ? null : loop.callAt(deadlineNanos, this::startDeadlineFiber);
    }

    private void startDeadlineFiber() {
        try {
            Fiber.builder().loop(loop).name("fiber-group-deadline").start(this::deadlinePassed);
        } catch (RejectedExecutionException stopping) {
            // The loop is stopping and cancels its fibers itself; join() and close() still keep the deadline.
        }
    }

    private void deadlinePassed() {
        if (runningCount() > 0) {
            deadlinePassed = true;
            cancelAll();
        }
    }

    /** A group without a deadline. */
    public static FiberGroup open() {
        return new FiberGroup(null);
    }

    /** A group whose children are cancelled when {@code deadline} has passed. */
    public static FiberGroup open(Duration deadline) {
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("A deadline cannot be negative: " + deadline);
        }
        return new FiberGroup(deadline);
    }

    public <T> Fiber<T> spawn(Callable<T> task) {
        return add(Fiber.builder().loop(loop).unstarted(task));
    }

    public Fiber<Void> spawn(Runnable task) {
        return add(Fiber.builder().loop(loop).unstarted(task));
    }

    private synchronized <T> Fiber<T> add(Fiber<T> child) {
        if (closed) {
            throw new IllegalStateException("This fiber group is closed");
        }
        if (running++ == 0) {
            allEnded.clear();
        }
        children.add(child);
        child.onExit(this::childEnded);
        child.start();
        return child;
    }

    private void childEnded(Fiber<?> child) {
        if (child.state() == FiberState.FAILED && firstFailed.compareAndSet(null, child)) {
            cancelAll();
        }
        synchronized (this) {
            if (--running == 0) {
                allEnded.set();
            }
        }
    }

    private synchronized int runningCount() {
        return running;
    }

    /** Waits until no child runs, or the deadline passes. @return whether none runs */
    private boolean awaitAllEnded(long deadlineNanos) {
        while (runningCount() > 0) {
            if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0) {
                return false;
            }
            if (deadlineNanos == Long.MAX_VALUE) {
                allEnded.await();
            } else {
                allEnded.await(Duration.ofNanos(deadlineNanos - System.nanoTime()));
            }
        }
        return true;
    }

    /**
     * Waits until every child has ended.
     * @throws FiberFailedException the first child failure (its cause keeps the original stack), after the
     *         siblings it cancelled have ended
     * @throws FiberTimeoutException when the deadline passed; every child was cancelled and has ended
     */
    public void join() {
        if (!awaitAllEnded(deadlineNanos)) {
            cancelAll();
            awaitAllEnded(Long.MAX_VALUE);
            deadlinePassed = true;
        }
        if (deadlinePassed) {
            throw new FiberTimeoutException("Fiber group deadline of " + deadline + " passed; its fibers were cancelled");
        }
        Fiber<?> failed = firstFailed.get();
        if (failed != null) {
            throw new FiberFailedException(failed.toString(), failed.failure());
        }
    }

    /** Cancels every child still running. */
    public void cancelAll() {
        for (Fiber<?> child : snapshot()) {
            child.cancel();
        }
    }

    /** The children spawned so far. */
    public synchronized List<Fiber<?>> children() {
        return List.copyOf(children);
    }

    private synchronized List<Fiber<?>> snapshot() {
        return new ArrayList<>(children);
    }

    /** Cancels the children still running and waits until they have ended. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
        }
        if (runningCount() > 0) {
            cancelAll();
            awaitAllEnded(Long.MAX_VALUE);
        }
    }
}
