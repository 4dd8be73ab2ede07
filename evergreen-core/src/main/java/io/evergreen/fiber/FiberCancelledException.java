package io.evergreen.fiber;

/**
 * Raised in a fiber at its next evergreen blocking point (sleep, join, switch, {@code Event}, {@code Channel},
 * {@code Result}, {@link Fiber#yieldNow()}) after {@link Fiber#cancel()}: greenlet's {@code GreenletExit}.
 * It is delivered once; cleanup code that blocks afterwards runs normally. At a JDK blocking point
 * (a lock, {@code Thread.sleep}, a socket) the same cancellation arrives as the JDK's interruption
 * ({@code InterruptedException}, {@code ClosedByInterruptException}).
 * <p>
 * {@link Fiber#join()} of a cancelled fiber throws it too, and a thread interrupted while waiting in an
 * evergreen blocking call gets it with its interrupt status kept.
 */
public class FiberCancelledException extends RuntimeException {

    public FiberCancelledException(String message) {
        super(message);
    }

    public FiberCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
