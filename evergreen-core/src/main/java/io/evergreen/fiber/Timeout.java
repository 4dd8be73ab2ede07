package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.Handle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Runs a body in the current fiber with a deadline (gevent's {@code Timeout}): when it passes, the body is
 * interrupted at its next blocking point and {@link FiberTimeoutException} leaves {@code run}/{@code call}.
 * <pre>{@code
 * String reply = Timeout.of(Duration.ofSeconds(2)).call(() -> client.fetch());
 * }</pre>
 * The deadline is a timer on the fiber's own loop. At an evergreen blocking point the body sees
 * {@link FiberTimeoutException} directly; at a JDK blocking point it sees the JDK's interruption, which
 * {@code call} turns into {@link FiberTimeoutException} (with the JDK's exception as cause) when the
 * deadline is what caused it. Timeouts nest: each reports only its own expiry (when an inner and an outer
 * one have both expired, the inner one is reported first, and the outer one at the next blocking point after
 * the inner {@code Timeout} has ended). A body that ends normally
 * after its deadline (having swallowed the interruption) returns normally. Outside fibers the timer
 * runs on a loop of {@link Fiber#defaultGroup()} and interrupts the calling thread.
 */
public final class Timeout {

    private final Duration duration;

    private Timeout(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("A timeout cannot be negative: " + duration);
        }
        this.duration = duration;
    }

    public static Timeout of(Duration duration) {
        return new Timeout(Objects.requireNonNull(duration));
    }

    public Duration duration() {
        return duration;
    }

    public void run(Runnable body) {
        Objects.requireNonNull(body);
        call(() -> {
            body.run();
            return null;
        });
    }

    public <T> T call(Callable<T> body) {
        Fiber<?> fiber = Fiber.current();
        Scope scope = new Scope(fiber, Thread.currentThread(), duration);
        EventLoop loop = fiber != null ? fiber.loop() : Fiber.defaultGroup().next();
        Handle timer = loop.callLater(duration, scope::expire);
        if (fiber != null) {
            fiber.innermostTimeout = scope;
        }
        try {
            return body.call();
        } catch (Throwable failure) {
            if (scope.finish()) {
                throw sneaky(failure);
            }
            if (failure instanceof FiberTimeoutException timeout && timeout == scope.exception) {
                throw timeout;
            }
            throw new FiberTimeoutException(scope.message(), failure);
        } finally {
            timer.cancel();
            if (!scope.finish()) {
                scope.clearUndelivered();
            }
            scope.end();
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable error) throws E {
        throw (E) error;
    }

    /** One run of a body under a timeout: decides, by one compare-and-set, whether the deadline won. */
    static final class Scope {

        private static final int ACTIVE = 0;
        private static final int FINISHED = 1;
        private static final int EXPIRED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Scope.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Fiber<?> fiber;
        private final Thread thread;
        private final Duration duration;
        /** The timeout of the fiber this one runs inside, or null. */
        private final Scope enclosing;
        private volatile int state;
        private FiberTimeoutException exception;
        /** Expired, but an inner timeout's expiry was delivered in its place: deliver it when that one ends. */
        volatile boolean displaced;

        Scope(Fiber<?> fiber, Thread thread, Duration duration) {
            this.fiber = fiber;
            this.thread = thread;
            this.duration = duration;
            this.enclosing = fiber == null ? null : fiber.innermostTimeout;
        }

        /** Whether {@code other} runs inside this timeout. */
        boolean encloses(Scope other) {
            for (Scope s = other.enclosing; s != null; s = s.enclosing) {
                if (s == this) {
                    return true;
                }
            }
            return false;
        }

        /** Leaves this timeout: the fiber's innermost is the enclosing one again, with its displaced expiry. */
        void end() {
            if (fiber == null) {
                return;
            }
            fiber.innermostTimeout = enclosing;
            for (Scope s = enclosing; s != null; s = s.enclosing) {
                if (s.displaced) {
                    s.displaced = false;
                    fiber.timeoutExpired(s);
                    return;
                }
            }
        }

        void expire() {
            if (STATE.compareAndSet(this, ACTIVE, EXPIRED)) {
                if (fiber != null) {
                    fiber.timeoutExpired(this);
                } else {
                    thread.interrupt();
                }
            }
        }

        /** @return true when the body finished first (the deadline can no longer fire), false when it expired */
        boolean finish() {
            return STATE.compareAndSet(this, ACTIVE, FINISHED) || state == FINISHED;
        }

        FiberTimeoutException exception() {
            if (exception == null) {
                exception = new FiberTimeoutException(message());
            }
            return exception;
        }

        String message() {
            return "Timed out after " + duration;
        }

        void clearUndelivered() {
            if (fiber != null) {
                fiber.clearExpiredTimeout(this);
            } else {
                Thread.interrupted();
            }
        }
    }
}
