package io.evergreen.loop;

import java.util.HashSet;
import java.util.Set;

/**
 * A set that loop threads and fibers change together, guarded by a {@link LoopSafeLock}: a loop thread never waits
 * for a fiber to let go of it. {@code ConcurrentHashMap}'s key set would not do: it changes a bin under the bin's
 * monitor, which a fiber of the loop may be handed while unmounted.
 */
public final class LoopSafeSet<T> {

    private final LoopSafeLock lock = new LoopSafeLock();
    private final Set<T> elements = new HashSet<>();

    public boolean add(T element) {
        lock.lock();
        try {
            return elements.add(element);
        } finally {
            lock.unlock();
        }
    }

    public boolean remove(T element) {
        lock.lock();
        try {
            return elements.remove(element);
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return elements.size();
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the elements now. */
    public Set<T> snapshot() {
        lock.lock();
        try {
            return Set.copyOf(elements);
        } finally {
            lock.unlock();
        }
    }
}
