package io.evergreen.demo.probe;

import io.evergreen.loop.EventLoop;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * Holds the loop of the calling fiber by spinning on the CPU, the way a misbehaving handler does, until the test lets
 * go (see demo-app's LoopHog, of which this is the spinning half).
 */
public final class LoopHog {

    /** A spinner whose test failed before releasing it stops by itself, so that the context can still close. */
    private static final Duration SPIN_LIMIT = Duration.ofSeconds(30);

    private volatile CompletableFuture<EventLoop> heldLoop = new CompletableFuture<>();
    private volatile boolean holding;
    private volatile boolean released;

    /** Spins, never parking, until {@link #release()}: nothing else runs on the loop meanwhile. */
    long spin() {
        holding = true;
        heldLoop.complete(EventLoop.current());
        long start = System.nanoTime();
        long iterations = 0;
        try {
            while (!released && System.nanoTime() - start < SPIN_LIMIT.toNanos()) {
                Thread.onSpinWait();
                iterations++;
            }
        } finally {
            holding = false;
        }
        return iterations;
    }

    public EventLoop awaitHeldLoop(Duration timeout) throws Exception {
        return heldLoop.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isHolding() {
        return holding;
    }

    public void release() {
        released = true;
    }

    /** Releases any hold, waits until it ended; the next hold starts afresh. */
    public void reset() {
        release();
        Awaitility.await("the hold ends").atMost(SPIN_LIMIT).until(() -> !holding);
        heldLoop = new CompletableFuture<>();
        released = false;
    }
}
