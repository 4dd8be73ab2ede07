package io.evergreen.spring;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bound of {@code evergreen.web.max-in-flight}, shared by the servlet filter ({@link MaxInFlightFilter}) and the
 * WebFlux one ({@link MaxInFlightWebFilter}): a request enters if fewer than {@code maxInFlight} are in flight, and
 * is otherwise refused at once, to be answered {@code 503} with the {@code Retry-After} given here. No queue: a
 * request above the bound costs as little as possible, and clients retry instead of waiting without bound.
 */
final class InFlightLimit {

    private final int maxInFlight;
    private final Semaphore permits;
    private final String retryAfterSeconds;
    private final LongAdder rejected = new LongAdder();

    InFlightLimit(int maxInFlight, Duration retryAfter) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, got " + retryAfter);
        }
        this.maxInFlight = maxInFlight;
        this.permits = new Semaphore(maxInFlight);
        // Retry-After takes whole seconds: round up, so that clients never retry sooner than asked.
        long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        this.retryAfterSeconds = Long.toString(seconds);
    }

    /** Takes a place for a request, or counts it as rejected: @return whether it may go on. */
    boolean tryEnter() {
        if (permits.tryAcquire()) {
            return true;
        }
        rejected.increment();
        return false;
    }

    /** Gives back the place of a request that {@link #tryEnter() entered}: exactly once per such request. */
    void exit() {
        permits.release();
    }

    /** The value of the {@code Retry-After} header of a rejected request: whole seconds. */
    String retryAfterSeconds() {
        return retryAfterSeconds;
    }

    int maxInFlight() {
        return maxInFlight;
    }

    int inFlight() {
        return maxInFlight - permits.availablePermits();
    }

    long rejectedCount() {
        return rejected.sum();
    }
}
