package io.evergreen.spring;

import java.util.concurrent.atomic.LongAdder;

import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.Scope;

/**
 * The {@code "fiber"} scope ({@link FiberScoped @FiberScoped}): one instance per fiber tree.
 * <p>
 * The instance belongs to the request being served (when {@link FiberScopeFilter} is in place, as the
 * starter arranges in servlet applications) or else to the root fiber that first needs one, and is shared
 * with every fiber created under it: {@code Fiber.spawn}, {@code FiberGroup}, {@code @Async} methods and
 * {@link FiberExecutor} tasks submitted from it. Destruction callbacks ({@code @PreDestroy},
 * {@code DisposableBean}) run when the request completes or the owner fiber ends. Unlike Spring's request
 * scope, which lives in the servlet request's attributes and is gone in child threads, this one lives on the
 * fibers themselves.
 * <p>
 * Outside a fiber there is no scope: {@link #get} throws {@link IllegalStateException}.
 * <p>
 * Counters (for metrics and the actuator): beans created, destroyed (or removed), and live.
 */
public final class FiberScope implements Scope {

    /** The scope name: {@value}. */
    public static final String NAME = "fiber";

    private final LongAdder created = new LongAdder();
    private final LongAdder destroyed = new LongAdder();

    public FiberScope() {
        FiberScopeStore.scopeInUse = true;
    }

    @Override
    public Object get(String name, ObjectFactory<?> objectFactory) {
        return requireStore(name).get(this, name, objectFactory);
    }

    @Override
    public Object remove(String name) {
        FiberScopeStore store = FiberScopeStore.current();
        return store != null ? store.remove(name) : null;
    }

    @Override
    public void registerDestructionCallback(String name, Runnable callback) {
        requireStore(name).registerDestructionCallback(name, callback);
    }

    @Override
    public Object resolveContextualObject(String key) {
        return null;
    }

    /** The id of the current fiber tree's store (its owner fiber's name, or its request), or null. */
    @Override
    public String getConversationId() {
        FiberScopeStore store = FiberScopeStore.current();
        return store != null ? store.id() : null;
    }

    /** {@code @FiberScoped} instances created so far. */
    public long getCreatedCount() {
        return created.sum();
    }

    /** {@code @FiberScoped} instances destroyed (or removed from the scope) so far. */
    public long getDestroyedCount() {
        return destroyed.sum();
    }

    /** {@code @FiberScoped} instances alive now. */
    public long getLiveCount() {
        return created.sum() - destroyed.sum();
    }

    void beanCreated() {
        created.increment();
    }

    void beanDestroyed() {
        destroyed.increment();
    }

    private static FiberScopeStore requireStore(String beanName) {
        FiberScopeStore store = FiberScopeStore.currentOrCreate();
        if (store == null) {
            throw new IllegalStateException("Scope 'fiber' is not active for the current thread ("
                    + Thread.currentThread().getName() + "): @FiberScoped bean '" + beanName + "' can only be used "
                    + "on a fiber. Use it from a request served by Evergreen (evergreen.web.enabled=true), an @Async "
                    + "method, or code run by Fiber.spawn(..), a FiberGroup or the FiberExecutor bean; or inject an "
                    + "ObjectProvider and resolve it there.");
        }
        return store;
    }

    @Override
    public String toString() {
        return "FiberScope[live=" + getLiveCount() + ", created=" + getCreatedCount() + "]";
    }
}
