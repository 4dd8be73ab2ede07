package io.evergreen.demo.probe;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds the handlers that {@link #pass} until the test {@link #open}s it, counting those waiting: the test sees its
 * requests in flight and decides when they end. A held handler gives up after {@link #LIMIT}, so that a failed test
 * cannot hold the application forever.
 */
public final class Gate {

    static final Duration LIMIT = Duration.ofSeconds(60);

    private final AtomicInteger arrived = new AtomicInteger();

    private volatile CountDownLatch open = new CountDownLatch(1);

    /** @return whether the gate was opened (else it gave up waiting) */
    boolean pass() throws InterruptedException {
        CountDownLatch latch = open;
        arrived.incrementAndGet();
        return latch.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int arrived() {
        return arrived.get();
    }

    public void open() {
        open.countDown();
    }

    /** Opens the gate for anyone still held, and closes a new one. */
    public void reset() {
        CountDownLatch previous = open;
        open = new CountDownLatch(1);
        previous.countDown();
        arrived.set(0);
    }
}
