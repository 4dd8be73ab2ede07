package io.evergreen.demo.probe;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A meeting of a number of handlers: each arrives and waits until all have arrived. Only requests all in flight at
 * once can meet; a handler that waits past {@link #LIMIT} gives up and says so.
 */
public final class Rendezvous {

    static final Duration LIMIT = Duration.ofSeconds(60);

    private volatile CountDownLatch latch = new CountDownLatch(0);

    public void expect(int parties) {
        latch = new CountDownLatch(parties);
    }

    /** @return whether every party arrived */
    boolean arriveAndAwait() throws InterruptedException {
        CountDownLatch meeting = latch;
        meeting.countDown();
        return meeting.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
