package io.evergreen.fiber;

/**
 * Thrown by {@link Fiber#join()} and {@link FiberGroup#join()} when a fiber ended with an exception.
 * The cause is that exception, with the stack it had in the fiber. The message names the fiber, but the
 * exception holds no reference to it, so keeping the exception keeps no fiber (and no fiber-locals) alive.
 */
public class FiberFailedException extends RuntimeException {

    public FiberFailedException(String fiberDescription, Throwable cause) {
        super(fiberDescription + " failed: " + cause, cause);
    }
}
