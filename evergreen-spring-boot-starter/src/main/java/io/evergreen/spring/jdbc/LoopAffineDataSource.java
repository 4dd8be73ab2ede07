package io.evergreen.spring.jdbc;

import io.evergreen.sync.LoopAffineSemaphore;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.aop.framework.ProxyFactory;

/**
 * A connection pool's {@link DataSource} behind a {@link LoopAffineSemaphore} with one permit per pooled
 * connection: a request for a connection waits for a permit, not in the pool, and a connection given back goes to a
 * fiber of the same loop first, which runs as soon as the fiber that gave it back parks or ends.
 * <p>
 * Why: a fair pool hands a returned connection to its longest waiter, a fiber of any loop. On another loop that
 * fiber waits its turn behind everything that loop has to run while the connection sits idle, and the database sees
 * its statements later and fewer at a time (RESULTS §18). The pool itself then has no waiters: each request finds a
 * free connection at once. Nothing else changes: statements, transactions and the pool's own settings are the
 * pool's.
 * <p>
 * {@link #wrap} returns a proxy of the pool's own class (a {@code HikariDataSource} stays one, for whoever injects
 * it by that type) that also implements this interface; only {@code getConnection} goes through the permits.
 */
public interface LoopAffineDataSource {

    /** The semaphore in front of the pool: its permits, waiters, and where its hand-offs went. */
    LoopAffineSemaphore loopAffinePermits();

    /**
     * Puts a pool of {@code connections} connections behind permits.
     * @param pool the pool
     * @param connections the pool's maximum size: the number of permits
     * @param timeout how long a request may wait for a permit (the pool's own connection timeout), after which it
     *        fails with the {@link java.sql.SQLTransientConnectionException} that a pool throws
     * @return a proxy of the pool's class, implementing this interface too
     */
    static DataSource wrap(DataSource pool, int connections, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return wrap(pool, () -> connections, () -> timeout);
    }

    /**
     * Puts a pool behind permits that follow its size and connection timeout while it runs: both are read at every
     * {@code getConnection}, so that a pool resized live (HikariCP's {@code HikariConfigMXBean}) gets as many
     * permits as it has connections at most. Permits taken away while taken are taken away as they come back.
     * @param pool the pool
     * @param connections the pool's maximum size now: the number of permits (a value below 1 is ignored)
     * @param timeout how long a request may wait for a permit now
     * @return a proxy of the pool's class, implementing this interface too
     */
    static DataSource wrap(DataSource pool, IntSupplier connections, Supplier<Duration> timeout) {
        if (pool instanceof LoopAffineDataSource) {
            throw new IllegalArgumentException(pool + " is already behind loop-affine permits");
        }
        ProxyFactory proxy = new ProxyFactory(pool);
        proxy.setProxyTargetClass(true);
        proxy.addInterface(LoopAffineDataSource.class);
        proxy.addAdvice(new PermitGate(connections, timeout));
        return (DataSource) proxy.getProxy(pool.getClass().getClassLoader());
    }
}
