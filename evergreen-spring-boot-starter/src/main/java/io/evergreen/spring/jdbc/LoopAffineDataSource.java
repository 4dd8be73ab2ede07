package io.evergreen.spring.jdbc;

import io.evergreen.sync.LoopAffineSemaphore;

import java.time.Duration;

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
        if (pool instanceof LoopAffineDataSource) {
            throw new IllegalArgumentException(pool + " is already behind loop-affine permits");
        }
        ProxyFactory proxy = new ProxyFactory(pool);
        proxy.setProxyTargetClass(true);
        proxy.addInterface(LoopAffineDataSource.class);
        proxy.addAdvice(new PermitGate(new LoopAffineSemaphore(connections), timeout));
        return (DataSource) proxy.getProxy(pool.getClass().getClassLoader());
    }
}
