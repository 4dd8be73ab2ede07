package io.evergreen.spring.jdbc;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.sync.LoopAffineSemaphore;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.jdbc.datasource.ConnectionProxy;

/**
 * The advice of a {@link LoopAffineDataSource}: each {@code getConnection} takes a permit first, and the connection
 * it returns gives the permit back when closed.
 */
final class PermitGate implements MethodInterceptor {

    private final LoopAffineSemaphore permits;
    private final IntSupplier connections;
    private final Supplier<Duration> timeout;

    /** The pool's size and connection timeout are read at each {@code getConnection}: a pool may be resized live. */
    PermitGate(IntSupplier connections, Supplier<Duration> timeout) {
        this.connections = connections;
        this.timeout = timeout;
        this.permits = new LoopAffineSemaphore(connections.getAsInt());
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        if (method.getDeclaringClass() == LoopAffineDataSource.class) {
            return permits; // loopAffinePermits(), the one method of the introduced interface
        }
        if (!method.getName().equals("getConnection") || method.getReturnType() != Connection.class) {
            return invocation.proceed();
        }
        followPoolSize();
        Duration wait = timeout.get();
        if (!acquire(invocation, wait)) {
            throw new SQLTransientConnectionException("No connection of " + invocation.getThis()
                    + " became free within " + wait.toMillis() + " ms (" + permits.waiting()
                    + " more waiting for one of " + permits.permits() + ")");
        }
        Connection connection;
        try {
            connection = (Connection) invocation.proceed();
        } catch (Throwable failure) {
            permits.release();
            throw failure;
        }
        return Proxy.newProxyInstance(PermitGate.class.getClassLoader(), new Class<?>[] { ConnectionProxy.class },
                new PermitReleasingConnection(connection, permits));
    }

    /** One permit per connection the pool may have now (HikariCP's maximum size can be changed while it runs). */
    private void followPoolSize() {
        int size = connections.getAsInt();
        if (size > 0 && size != permits.permits()) {
            permits.resize(size);
        }
    }

    /**
     * Waits for a permit. A fiber cancelled meanwhile gets its {@link FiberCancelledException}; a plain thread
     * interrupted meanwhile gets the {@link SQLException} a pool throws then, its interrupt status kept.
     */
    private boolean acquire(MethodInvocation invocation, Duration wait) throws SQLException {
        try {
            return permits.tryAcquire(wait);
        } catch (FiberCancelledException e) {
            if (Fiber.current() != null) {
                throw e;
            }
            throw new SQLTransientConnectionException("Interrupted while waiting for a connection of "
                    + invocation.getThis(), e);
        }
    }
}
