package io.evergreen.fiber;

/**
 * A deadline passed: {@link Fiber#join(java.time.Duration)} waited too long, or a {@link Timeout} or a
 * {@link FiberGroup} deadline expired and cancelled the work it guarded.
 */
public class FiberTimeoutException extends RuntimeException {

    public FiberTimeoutException(String message) {
        super(message);
    }

    public FiberTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
