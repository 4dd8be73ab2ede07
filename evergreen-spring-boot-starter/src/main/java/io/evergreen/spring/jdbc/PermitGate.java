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

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.jdbc.datasource.ConnectionProxy;

/**
 * The advice of a {@link LoopAffineDataSource}: each {@code getConnection} takes a permit first, and the connection
 * it returns gives the permit back when closed.
 */
final class PermitGate implements MethodInterceptor {

    private final LoopAffineSemaphore permits;
    private final Duration timeout;

    PermitGate(LoopAffineSemaphore permits, Duration timeout) {
        this.permits = permits;
        this.timeout = timeout;
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
        if (!acquire(invocation)) {
            throw new SQLTransientConnectionException("No connection of " + invocation.getThis()
                    + " became free within " + timeout.toMillis() + " ms (" + permits.waiting()
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

    /**
     * Waits for a permit. A fiber cancelled meanwhile gets its {@link FiberCancelledException}; a plain thread
     * interrupted meanwhile gets the {@link SQLException} a pool throws then, its interrupt status kept.
     */
    private boolean acquire(MethodInvocation invocation) throws SQLException {
        try {
            return permits.tryAcquire(timeout);
        } catch (FiberCancelledException e) {
            if (Fiber.current() != null) {
                throw e;
            }
            throw new SQLTransientConnectionException("Interrupted while waiting for a connection of "
                    + invocation.getThis(), e);
        }
    }
}
