package io.evergreen.sync;

import io.evergreen.fiber.FiberParking;
import io.evergreen.fiber.FiberTimeoutException;
import io.evergreen.loop.LoopLog;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A one-shot result: completed once with a value or a failure, awaited by any number of fibers or threads.
 * Lighter than {@link java.util.concurrent.CompletableFuture}: one object plus a node per waiter, no
 * dependent-stage machinery. Waiting parks a fiber (not its loop); a timed wait in a fiber uses its loop's
 * timer; a cancelled fiber's wait ends with {@link io.evergreen.fiber.FiberCancelledException}.
 */
public final class Result<T> {

    private static final VarHandle OUTCOME;
    private static final VarHandle WAITERS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OUTCOME = lookup.findVarHandle(Result.class, "outcome", Object.class);
            WAITERS = lookup.findVarHandle(Result.class, "waiters", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Marks a stack of waiters that will never grow again: the result is complete. */
    private static final Node COMPLETED = new Node(null, null);
    private static final Object NULL_VALUE = new Object();

    /** null while pending, then the value ({@link #NULL_VALUE} for null) or a {@link Failure}. */
    private volatile Object outcome;
    /** Waiting threads and callbacks (Treiber stack), then {@link #COMPLETED}. */
    private volatile Node waiters;

    /** Completes with a value. @return false when already complete (the value is dropped) */
    public boolean complete(T value) {
        return settle(value == null ? NULL_VALUE : value);
    }

    /** Completes with a failure. @return false when already complete */
    public boolean fail(Throwable failure) {
        return settle(new Failure(Objects.requireNonNull(failure)));
    }

    private boolean settle(Object result) {
        if (!OUTCOME.compareAndSet(this, null, result)) {
            return false;
        }
        Node stack = (Node) WAITERS.getAndSet(this, COMPLETED);
        // The stack is newest first: reverse it so that callbacks run in the order they were added.
        Node oldestFirst = null;
        for (Node n = stack; n != null; ) {
            Node next = n.next;
            n.next = oldestFirst;
            oldestFirst = n;
            n = next;
        }
        for (Node n = oldestFirst; n != null; n = n.next) {
            n.release(this);
        }
        return true;
    }

    public boolean isDone() {
        return outcome != null;
    }

    public boolean isFailed() {
        return outcome instanceof Failure;
    }

    /** The value of a successful result; null while pending or failed. */
    public T valueNow() {
        Object o = outcome;
        if (o == null || o instanceof Failure) {
            return null;
        }
        return unmask(o);
    }

    /** The failure of a failed result; null otherwise. */
    public Throwable failureNow() {
        return outcome instanceof Failure f ? f.cause : null;
    }

    /**
     * Waits for the outcome and returns the value.
     * @throws CompletionException with the failure as cause, when failed
     */
    public T await() {
        awaitDone(Long.MAX_VALUE);
        return report();
    }

    /**
     * Waits up to {@code timeout}.
     * @throws FiberTimeoutException when the timeout passed first
     * @throws CompletionException with the failure as cause, when failed
     */
    public T await(Duration timeout) {
        if (!awaitDone(deadline(timeout))) {
            throw new FiberTimeoutException("No result within " + timeout);
        }
        return report();
    }

    /** Waits until complete, whatever the outcome. */
    public void awaitDone() {
        awaitDone(Long.MAX_VALUE);
    }

    /** Waits until complete or the timeout passes. @return whether complete */
    public boolean awaitDone(Duration timeout) {
        return awaitDone(deadline(timeout));
    }

    /**
     * Runs the callback with this result once complete: at once in the caller when already complete, else
     * in the thread or fiber that completes it. A callback that throws does not affect the others.
     */
    public void whenDone(Consumer<? super Result<T>> callback) {
        Objects.requireNonNull(callback);
        if (outcome == null && push(new Node(null, callback))) {
            return;
        }
        runCallback(callback);
    }

    private T report() {
        Object o = outcome;
        if (o instanceof Failure f) {
            throw new CompletionException(f.cause);
        }
        return unmask(o);
    }

    @SuppressWarnings("unchecked")
    private T unmask(Object o) {
        return o == NULL_VALUE ? null : (T) o;
    }

    /** @return whether complete; false when the deadline passed first */
    public boolean awaitDone(long deadlineNanos) {
        if (outcome != null) {
            return true;
        }
        Node node = new Node(Thread.currentThread(), null);
        if (!push(node)) {
            return true;
        }
        try {
            while (outcome == null) {
                if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0) {
                    return false;
                }
                FiberParking.parkUntil(this, deadlineNanos);
                if (outcome == null) {
                    FiberParking.checkInterrupts();
                }
            }
            return true;
        } finally {
            if (outcome == null) {
                // Timed out or cancelled: leave no node behind, or a Result polled with timeouts grows forever.
                removeWaiter(node);
            } else {
                node.thread = null;
            }
        }
    }

    /** Nodes on the waiter list (for tests: gave-up waiters must not accumulate). */
    int waiterNodes() {
        int n = 0;
        for (Node w = waiters; w != null && w != COMPLETED; w = w.next) {
            n++;
        }
        return n;
    }

    /** Unlinks a waiter that gave up (the algorithm of FutureTask.removeWaiter). */
    private void removeWaiter(Node node) {
        node.thread = null;
        retry:
        while (true) {
            Node head = waiters;
            if (head == COMPLETED) {
                return;
            }
            for (Node pred = null, q = head, s; q != null; q = s) {
                s = q.next;
                if (q.thread != null || q.callback != null) {
                    pred = q;
                } else if (pred != null) {
                    pred.next = s;
                    if (pred.thread == null && pred.callback == null) {
                        continue retry;
                    }
                } else if (!WAITERS.compareAndSet(this, q, s)) {
                    continue retry;
                }
            }
            return;
        }
    }

    /** @return false when the result completed first (the node was not added) */
    private boolean push(Node node) {
        for (Node head = waiters; head != COMPLETED; head = waiters) {
            node.next = head;
            if (WAITERS.compareAndSet(this, head, node)) {
                return true;
            }
        }
        return false;
    }

    private void runCallback(Consumer<? super Result<T>> callback) {
        try {
            callback.accept(this);
        } catch (Throwable e) {
            LoopLog.log(System.getLogger(Result.class.getName()), System.Logger.Level.ERROR, "Result callback failed", e);
        }
    }

    private static long deadline(Duration timeout) {
        long nanos = timeout.toNanos();
        long now = System.nanoTime();
        return nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE - 1 : now + nanos;
    }

    @Override
    public String toString() {
        Object o = outcome;
        return o == null ? "Result[pending]" : o instanceof Failure f ? "Result[failed: " + f.cause + "]"
                : "Result[" + unmask(o) + "]";
    }

    private record Failure(Throwable cause) {
    }

    private static final class Node {
        volatile Thread thread;
        final Consumer<? super Result<?>> callback;
        volatile Node next;

        @SuppressWarnings("unchecked")
        Node(Thread thread, Consumer<?> callback) {
            this.thread = thread;
            this.callback = (Consumer<? super Result<?>>) callback;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void release(Result<?> result) {
            if (callback != null) {
                ((Result) result).runCallback(callback);
                return;
            }
            Thread waiter = thread;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
