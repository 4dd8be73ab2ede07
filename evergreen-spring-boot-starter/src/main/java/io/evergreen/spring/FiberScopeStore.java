package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberLocal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectFactory;

/**
 * The {@code @FiberScoped} beans of one fiber tree: a root fiber (or one request) and every fiber spawned
 * under it. It lives in an inheritable {@link FiberLocal}, so a child fiber copies the reference when it is
 * created and sees the same beans; it ends, running the destruction callbacks in reverse order of creation,
 * when its owner fiber ends, or when the request that opened it completes.
 * <p>
 * Fibers of a tree may run on different loops, or at once in JDK mode: access is synchronized (a monitor
 * parks a virtual thread without pinning it since JDK 24).
 */
final class FiberScopeStore {

    private static final Log logger = LogFactory.getLog(FiberScope.class);

    /** The store of the current fiber, inherited by the fibers it creates. */
    static final FiberLocal<FiberScopeStore> CURRENT = FiberLocal.inheritable();

    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle ID;

    static {
        try {
            ID = MethodHandles.lookup().findVarHandle(FiberScopeStore.class, "id", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Set once a {@link FiberScope} exists: until then spawning fibers need no store. */
    static volatile boolean scopeInUse;

    /**
     * Built when first asked for (an error message, a log line), not on every request's path. Set without the
     * store's monitor, which is held while a bean is created (a fiber may park there): toString and Spring's
     * conversation id never wait for a bean.
     */
    private volatile String id;
    /** For a request's store: what its id says before its number. Null for a fiber's store, named at once. */
    private final String requestMethod;
    private final String requestPath;
    private final Fiber<?> owner;
    private final Map<String, ScopedBean> creating = new LinkedHashMap<>(2);
    private final Map<String, ScopedBean> beans = new LinkedHashMap<>(4);
    private boolean exitHooked;
    private boolean ended;

    private FiberScopeStore(String id, String requestMethod, String requestPath, Fiber<?> owner) {
        this.id = id;
        this.requestMethod = requestMethod;
        this.requestPath = requestPath;
        this.owner = owner;
    }

    /** A store that ends when {@code owner} ends. */
    static FiberScopeStore ownedBy(Fiber<?> owner) {
        return new FiberScopeStore(owner.name(), null, null, owner);
    }

    /**
     * A store that ends when {@link #end()} is called: a request's, its id {@code GET /orders#17} (the path may be
     * null: the id is then the method, or what stands for it, and the number).
     */
    static FiberScopeStore open(String requestMethod, String requestPath) {
        return new FiberScopeStore(null, requestMethod, requestPath, null);
    }

    /** The store of the current fiber, made (owned by the fiber) if it has none; null outside fibers. */
    static FiberScopeStore currentOrCreate() {
        Fiber<?> fiber = Fiber.current();
        if (fiber == null) {
            return null;
        }
        FiberScopeStore store = CURRENT.get();
        if (store == null) {
            store = ownedBy(fiber);
            CURRENT.set(store);
        }
        return store;
    }

    /** The store of the current fiber, or null. */
    static FiberScopeStore current() {
        return Fiber.current() != null ? CURRENT.get() : null;
    }

    /**
     * Called on a fiber about to create another: gives it a store, if it has none, so that parent and child
     * share one.
     */
    static void prepareForChild() {
        if (scopeInUse && Fiber.current() != null && CURRENT.get() == null) {
            currentOrCreate();
        }
    }

    String id() {
        String known = id;
        if (known != null) {
            return known;
        }
        String request = requestPath != null ? RequestFiberNames.of(requestMethod, requestPath) : requestMethod;
        String drawn = request + "#" + IDS.incrementAndGet();
        // Two first callers at once both draw a number: the first to set it wins, the other's number goes unused.
        String witness = (String) ID.compareAndExchange(this, null, drawn);
        return witness != null ? witness : drawn;
    }

    synchronized boolean isEnded() {
        return ended;
    }

    Object get(FiberScope scope, String name, ObjectFactory<?> objectFactory) {
        synchronized (this) {
            ensureActive(name);
            ScopedBean existing = beans.get(name);
            if (existing != null) {
                return existing.instance;
            }
            ScopedBean bean = new ScopedBean(scope);
            creating.put(name, bean);
            try {
                bean.instance = objectFactory.getObject();
            } finally {
                creating.remove(name);
            }
            beans.put(name, bean);
            scope.beanCreated();
            return bean.instance;
        }
    }

    synchronized Object remove(String name) {
        ScopedBean removed = beans.remove(name);
        if (removed == null) {
            return null;
        }
        removed.scope.beanDestroyed();
        return removed.instance;
    }

    synchronized void registerDestructionCallback(String name, Runnable callback) {
        ensureActive(name);
        ScopedBean bean = creating.get(name);
        if (bean == null) {
            bean = beans.get(name);
        }
        if (bean == null) {
            throw new IllegalStateException("No @FiberScoped bean '" + name + "' in fiber scope " + id()
                    + " to register a destruction callback for");
        }
        bean.destructionCallback = callback;
    }

    private void ensureActive(String beanName) {
        if (owner != null && !exitHooked) {
            exitHooked = true;
            // Runs at once, here, if the owner has already ended; then the store ends and we throw below.
            owner.onExit(fiber -> end());
        }
        if (!ended && owner != null && owner.isDone()) {
            end(); // the owner has ended and its exit callback may not have run yet
        }
        if (ended) {
            throw new IllegalStateException("Cannot use @FiberScoped bean '" + beanName + "': fiber scope " + id()
                    + " has ended (its " + (owner != null ? "owner fiber" : "request") + " is over). A fiber that "
                    + "outlives the request or fiber that spawned it cannot use its @FiberScoped beans: join it "
                    + "first (FiberGroup does), or pass it the values it needs.");
        }
    }

    /** Ends the store: destroys its beans, most recently created first. Idempotent. */
    void end() {
        List<ScopedBean> toDestroy;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            toDestroy = new ArrayList<>(beans.values());
            beans.clear();
        }
        for (int i = toDestroy.size() - 1; i >= 0; i--) {
            ScopedBean bean = toDestroy.get(i);
            try {
                if (bean.destructionCallback != null) {
                    bean.destructionCallback.run();
                }
            } catch (Throwable ex) {
                logger.warn("Destruction of a @FiberScoped bean of fiber scope " + id() + " failed", ex);
            } finally {
                bean.scope.beanDestroyed();
            }
        }
    }

    @Override
    public String toString() {
        return "FiberScopeStore[" + id() + "]";
    }

    private static final class ScopedBean {

        final FiberScope scope;
        Object instance;
        Runnable destructionCallback;

        ScopedBean(FiberScope scope) {
            this.scope = scope;
        }
    }
}
