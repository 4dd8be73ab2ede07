package io.evergreen.demo.reliability;

import io.evergreen.demo.orders.Order;
import io.evergreen.demo.orders.OrderRepository;

import java.math.BigDecimal;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The demo's repository with a gate the test opens: every insert is held there, one in two before its row is
 * written and the other after (its row committed, its answer not yet sent), so that a shutdown meets requests in
 * both states at once. The fibers park on a latch, which costs no loop and no connection from the pool. Not
 * final: Spring proxies repositories to translate their exceptions.
 */
class HeldOrderRepository extends OrderRepository {

    /** How long a held insert waits for the gate before it fails: a test that forgets to open it still ends. */
    private static final long GATE_TIMEOUT_SECONDS = 60;

    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger arrivals = new AtomicInteger();
    private final AtomicInteger heldBeforeInsert = new AtomicInteger();
    private final AtomicInteger heldAfterInsert = new AtomicInteger();

    HeldOrderRepository(JdbcClient jdbc) {
        super(jdbc);
    }

    @Override
    public Order insert(String customer, String item, int quantity, BigDecimal total, String requestId) {
        if (arrivals.incrementAndGet() % 2 == 0) {
            heldBeforeInsert.incrementAndGet();
            awaitGate();
            return super.insert(customer, item, quantity, total, requestId);
        }
        Order order = super.insert(customer, item, quantity, total, requestId);
        heldAfterInsert.incrementAndGet();
        awaitGate();
        return order;
    }

    private void awaitGate() {
        try {
            if (!gate.await(GATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Inserts that have reached the gate: while it is closed, all of them wait there. */
    int arrivedAtGate() {
        return heldBeforeInsert.get() + heldAfterInsert.get();
    }

    /** Of those, the ones whose row is already written. */
    int arrivedAfterInsert() {
        return heldAfterInsert.get();
    }

    void open() {
        gate.countDown();
    }
}
