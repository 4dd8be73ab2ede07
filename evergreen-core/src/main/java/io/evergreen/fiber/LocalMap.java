package io.evergreen.fiber;

import java.util.function.BiConsumer;

/**
 * A fiber's own fiber-local values: an open-addressing identity map from {@link FiberLocal} to value, like
 * the JDK's {@code ThreadLocalMap} without weak references (the map dies with its fiber, so nothing needs
 * to be reclaimed behind its back). Linear probing with backward-shift deletion keeps lookups to a probe
 * or two at the small sizes fibers use. Used by one fiber at a time; not thread-safe.
 */
final class LocalMap {

    static final Object ABSENT = new Object();

    private FiberLocal<?>[] keys;
    private Object[] values;
    private int size;

    LocalMap() {
        this(8);
    }

    private LocalMap(int capacity) {
        keys = new FiberLocal<?>[capacity];
        values = new Object[capacity];
    }

    int size() {
        return size;
    }

    /** The value, or {@link #ABSENT}. */
    Object get(FiberLocal<?> key) {
        FiberLocal<?>[] k = keys;
        int mask = k.length - 1;
        for (int i = key.hash & mask; ; i = (i + 1) & mask) {
            FiberLocal<?> probe = k[i];
            if (probe == key) {
                return values[i];
            }
            if (probe == null) {
                return ABSENT;
            }
        }
    }

    /** @return whether the key was new */
    boolean put(FiberLocal<?> key, Object value) {
        FiberLocal<?>[] k = keys;
        int mask = k.length - 1;
        int i = key.hash & mask;
        for (FiberLocal<?> probe; (probe = k[i]) != null; i = (i + 1) & mask) {
            if (probe == key) {
                values[i] = value;
                return false;
            }
        }
        k[i] = key;
        values[i] = value;
        if (++size * 3 > k.length * 2) {
            resize();
        }
        return true;
    }

    /** @return whether the key was present */
    boolean remove(FiberLocal<?> key) {
        FiberLocal<?>[] k = keys;
        int mask = k.length - 1;
        for (int i = key.hash & mask; k[i] != null; i = (i + 1) & mask) {
            if (k[i] == key) {
                deleteAt(i);
                size--;
                return true;
            }
        }
        return false;
    }

    private void deleteAt(int slot) {
        FiberLocal<?>[] k = keys;
        int mask = k.length - 1;
        k[slot] = null;
        values[slot] = null;
        // Backward shift: move later entries of the probe run into the hole if their home allows it.
        for (int i = (slot + 1) & mask; k[i] != null; i = (i + 1) & mask) {
            int home = k[i].hash & mask;
            boolean canMove = slot <= i ? (home <= slot || home > i) : (home <= slot && home > i);
            if (canMove) {
                k[slot] = k[i];
                values[slot] = values[i];
                k[i] = null;
                values[i] = null;
                slot = i;
            }
        }
    }

    private void resize() {
        FiberLocal<?>[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new FiberLocal<?>[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    void forEach(BiConsumer<FiberLocal<?>, Object> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                action.accept(keys[i], values[i]);
            }
        }
    }

    /** A map with this one's inheritable entries, or null when there are none. */
    LocalMap inheritableCopy() {
        LocalMap copy = null;
        for (int i = 0; i < keys.length; i++) {
            FiberLocal<?> key = keys[i];
            if (key != null && key.isInheritable()) {
                if (copy == null) {
                    copy = new LocalMap();
                }
                copy.put(key, key.childValueOf(values[i]));
            }
        }
        return copy;
    }
}
