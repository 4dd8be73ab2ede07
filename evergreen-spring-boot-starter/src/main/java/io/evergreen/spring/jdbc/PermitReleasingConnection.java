package io.evergreen.spring.jdbc;

import io.evergreen.sync.LoopAffineSemaphore;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A pooled connection that holds a permit of a {@link LoopAffineDataSource}: every call goes to the connection, and
 * {@code close()} gives the permit back, once, after the connection is back in the pool, so that the waiter it
 * wakes finds one free.
 */
final class PermitReleasingConnection implements InvocationHandler {

    private final Connection target;
    private final LoopAffineSemaphore permits;
    private final AtomicBoolean released = new AtomicBoolean();

    PermitReleasingConnection(Connection target, LoopAffineSemaphore permits) {
        this.target = target;
        this.permits = permits;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "Connection with a loop-affine permit: " + target;
            case "getTargetConnection":
                return target;
            case "unwrap":
                if (((Class<?>) args[0]).isInstance(proxy)) {
                    return proxy;
                }
                break;
            case "isWrapperFor":
                if (((Class<?>) args[0]).isInstance(proxy)) {
                    return true;
                }
                break;
            case "close":
                try {
                    return call(method, args);
                } finally {
                    if (released.compareAndSet(false, true)) {
                        permits.release();
                    }
                }
            default:
                break;
        }
        return call(method, args);
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getTargetException();
        }
    }
}
