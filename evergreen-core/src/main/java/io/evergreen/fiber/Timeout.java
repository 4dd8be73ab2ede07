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
 * deadline is what caused it. Timeouts nest: each reports only its own expiry. A body that ends normally
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
        private volatile int state;
        private FiberTimeoutException exception;

        Scope(Fiber<?> fiber, Thread thread, Duration duration) {
            this.fiber = fiber;
            this.thread = thread;
            this.duration = duration;
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
