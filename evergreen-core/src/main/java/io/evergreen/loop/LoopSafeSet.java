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
        return lock.locked(() -> elements.add(element));
    }

    public boolean remove(T element) {
        return lock.locked(() -> elements.remove(element));
    }

    public int size() {
        return lock.locked(elements::size);
    }

    /** A copy of the elements now. */
    public Set<T> snapshot() {
        return lock.locked(() -> Set.copyOf(elements));
    }
}
