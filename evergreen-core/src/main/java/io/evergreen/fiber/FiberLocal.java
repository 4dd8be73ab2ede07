package io.evergreen.fiber;

import io.evergreen.loop.LoopStats;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A variable with one value per fiber, kept in the fiber itself (greenlet local storage): a lookup is the
 * current-fiber read plus a probe of the fiber's small map, and every value is freed with its fiber, with
 * nothing left in a global map. Outside fibers it behaves like a {@link ThreadLocal}.
 * <pre>{@code
 * static final FiberLocal<String> USER = FiberLocal.create();
 * static final FiberLocal<List<String>> TRAIL = FiberLocal.withInitial(ArrayList::new);
 * static final FiberLocal<String> TRACE_ID = FiberLocal.inheritable();   // copied to child fibers
 * }</pre>
 * Lookups, sets and live entries are counted per loop in {@link LoopStats}.
 */
public final class FiberLocal<T> {

    /** Spreads consecutive keys over a power-of-two table, as {@link ThreadLocal} does. */
    private static final int HASH_INCREMENT = 0x61c88647;
    private static final AtomicInteger NEXT_HASH = new AtomicInteger();
    private static final AtomicInteger KEYS_CREATED = new AtomicInteger();

    final int hash = NEXT_HASH.getAndAdd(HASH_INCREMENT);
    private final Supplier<? extends T> initialValue;
    private final boolean inheritable;
    private final UnaryOperator<T> childValue;
    private final ThreadLocal<T> outsideFibers;

    private FiberLocal(Supplier<? extends T> initialValue, boolean inheritable, UnaryOperator<T> childValue) {
        this.initialValue = initialValue;
        this.inheritable = inheritable;
        this.childValue = childValue;
        this.outsideFibers = initialValue == null ? new ThreadLocal<>() : ThreadLocal.withInitial(initialValue);
        KEYS_CREATED.incrementAndGet();
    }

    /** A fiber-local whose value starts as null. */
    public static <T> FiberLocal<T> create() {
        return new FiberLocal<>(null, false, null);
    }

    /** A fiber-local whose value starts as what {@code initialValue} supplies, on first {@link #get()}. */
    public static <T> FiberLocal<T> withInitial(Supplier<? extends T> initialValue) {
        return new FiberLocal<>(Objects.requireNonNull(initialValue), false, null);
    }

    /** A fiber-local whose value is copied to every fiber spawned from a fiber that has one. */
    public static <T> FiberLocal<T> inheritable() {
        return new FiberLocal<>(null, true, UnaryOperator.identity());
    }

    /**
     * An inheritable fiber-local whose child value is derived from the parent's, for values that must not
     * be shared (a mutable collection, say).
     */
    public static <T> FiberLocal<T> inheritable(UnaryOperator<T> childValue) {
        return new FiberLocal<>(null, true, Objects.requireNonNull(childValue));
    }

    /**
     * Gives the current fiber empty fiber-local storage until the returned isolation is closed, then gives it back
     * the values it held before; values set in between are dropped then. For a fiber that serves one piece of work
     * after another, so that none sees what an earlier one set: a web server serves the requests of a keep-alive
     * connection one after the other on the same fiber, and one request must never see another's user. Child
     * fibers spawned inside inherit from the isolated storage. Outside fibers it does nothing.
     * <pre>{@code
     * try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
     *     serve(request);
     * }
     * }</pre>
     */
    public static Isolation isolate() {
        Fiber<?> fiber = Fiber.current();
        return new Isolation(fiber, fiber != null ? fiber.isolateLocals() : null);
    }

    /** Fiber-locals created in this JVM. */
    public static int keysCreated() {
        return KEYS_CREATED.get();
    }

    public boolean isInheritable() {
        return inheritable;
    }

    Object childValueOf(Object parentValue) {
        @SuppressWarnings("unchecked")
        T value = (T) parentValue;
        return childValue.apply(value);
    }

    public T get() {
        Fiber<?> fiber = Fiber.current();
        if (fiber == null) {
            return outsideFibers.get();
        }
        LocalMap map = fiber.locals;
        LoopStats stats = fiber.loop().stats();
        Object value = map == null ? LocalMap.ABSENT : map.get(this);
        if (value != LocalMap.ABSENT) {
            stats.recordLocalLookupHit();
            @SuppressWarnings("unchecked")
            T found = (T) value;
            return found;
        }
        if (initialValue == null) {
            stats.recordLocalLookupMiss();
            return null;
        }
        stats.recordLocalLookupInitial();
        T initial = initialValue.get();
        store(fiber, initial);
        return initial;
    }

    public void set(T value) {
        Fiber<?> fiber = Fiber.current();
        if (fiber == null) {
            outsideFibers.set(value);
            return;
        }
        fiber.loop().stats().recordLocalSet();
        store(fiber, value);
    }

    public void remove() {
        Fiber<?> fiber = Fiber.current();
        if (fiber == null) {
            outsideFibers.remove();
            return;
        }
        LocalMap map = fiber.locals;
        if (map != null && map.remove(this)) {
            fiber.localEntriesChanged(-1);
        }
    }

    private void store(Fiber<?> fiber, T value) {
        LocalMap map = fiber.locals;
        if (map == null) {
            fiber.locals = map = new LocalMap();
        }
        if (map.put(this, value)) {
            fiber.localEntriesChanged(1);
        }
    }

    @Override
    public String toString() {
        return "FiberLocal@" + Integer.toHexString(hash) + (inheritable ? "[inheritable]" : "");
    }

    /** A stretch of a fiber's work with fiber-local storage of its own; see {@link #isolate()}. */
    public static final class Isolation implements AutoCloseable {

        private final Fiber<?> fiber;
        private final LocalMap saved;
        private boolean closed;

        Isolation(Fiber<?> fiber, LocalMap saved) {
            this.fiber = fiber;
            this.saved = saved;
        }

        /**
         * Drops the values set since {@link #isolate()} and gives the fiber back the ones it held before. Must be
         * called by the fiber that isolated, after any isolation it opened since; a second call does nothing.
         */
        @Override
        public void close() {
            if (closed || fiber == null) {
                return;
            }
            if (Fiber.current() != fiber) {
                throw new IllegalStateException("Isolation of " + fiber + " closed from " + Thread.currentThread());
            }
            closed = true;
            fiber.restoreLocals(saved);
        }
    }
}
