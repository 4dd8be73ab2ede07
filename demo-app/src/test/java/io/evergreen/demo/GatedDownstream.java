package io.evergreen.demo;

import io.evergreen.demo.fanout.Downstream;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The tests' {@link Downstream}: by default it sleeps like the demo's own, but a test can arm a barrier (every
 * call waits until all its parties are in flight at once, or fails after a timeout) or a gate (every call waits
 * until the test opens it). Tests in one context run one after the other, so arming is safe between them; each
 * test disarms in {@link #reset()}.
 */
public final class GatedDownstream implements Downstream {

    private volatile CyclicBarrier barrier;
    private volatile Duration barrierTimeout = Duration.ofSeconds(10);
    private volatile CountDownLatch gate;

    /** Every call awaits {@code barrier} for at most {@code timeout}: a call that times out throws. */
    public void arm(CyclicBarrier barrier, Duration timeout) {
        this.barrierTimeout = timeout;
        this.barrier = barrier;
    }

    /** Every call waits until the returned latch is counted down (for at most 30 s, then it throws). */
    public CountDownLatch closeGate() {
        CountDownLatch latch = new CountDownLatch(1);
        gate = latch;
        return latch;
    }

    public void reset() {
        CountDownLatch latch = gate;
        if (latch != null) {
            latch.countDown();
        }
        gate = null;
        barrier = null;
    }

    @Override
    public String call(int index, Duration latency) throws Exception {
        CyclicBarrier currentBarrier = barrier;
        if (currentBarrier != null) {
            currentBarrier.await(barrierTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        CountDownLatch currentGate = gate;
        if (currentGate != null && !currentGate.await(30, TimeUnit.SECONDS)) {
            throw new TimeoutException("the test never opened the gate");
        }
        Thread.sleep(latency);
        return "part-" + index;
    }
}
