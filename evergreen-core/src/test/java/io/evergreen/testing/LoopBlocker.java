package io.evergreen.testing;

import io.evergreen.loop.EventLoop;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a loop's thread inside one callback until closed, so that nothing else runs on that loop
 * meanwhile: the deterministic way to let work pile up on a loop.
 * <pre>{@code
 * try (LoopBlocker blocked = LoopBlocker.block(loop)) {
 *     // queue work; none of it runs yet
 * }
 * }</pre>
 */
public final class LoopBlocker implements AutoCloseable {

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final EventLoop loop;

    private LoopBlocker(EventLoop loop) {
        this.loop = loop;
    }

    /** Returns once the loop thread is inside the blocking callback. */
    public static LoopBlocker block(EventLoop loop) throws InterruptedException {
        LoopBlocker blocker = queue(loop);
        blocker.awaitEntered();
        return blocker;
    }

    /**
     * Queues the blocking callback and returns at once: it holds the loop when its turn comes, behind what was
     * queued before it. Several queued while the loop is held run in one phase.
     */
    public static LoopBlocker queue(EventLoop loop) {
        LoopBlocker blocker = new LoopBlocker(loop);
        loop.execute(() -> {
            blocker.entered.countDown();
            try {
                // Bounded, so that a failing test cannot leave the loop stuck forever.
                blocker.release.await(Waiting.LIMIT.toMillis() * 3, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return blocker;
    }

    /** Waits until the loop thread is inside the blocking callback. */
    public void awaitEntered() throws InterruptedException {
        if (!entered.await(Waiting.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(loop + " did not run the blocking callback");
        }
    }

    /** Lets the loop go on. */
    @Override
    public void close() {
        release.countDown();
    }
}
