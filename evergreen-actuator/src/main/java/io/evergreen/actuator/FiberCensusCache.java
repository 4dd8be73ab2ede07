package io.evergreen.actuator;

import io.evergreen.fiber.FiberCensus;
import io.evergreen.fiber.FiberRegistry;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One census of each loop's fibers per scrape: the three {@code evergreen.fibers.live} gauges of a loop read
 * the same census (so they sum to its live count), and a loop's registry is walked once, not three times.
 */
final class FiberCensusCache {

    private static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final List<EventLoop> loops;
    private final Entry[] entries;

    FiberCensusCache(EventLoopGroup group) {
        this.loops = group.loops();
        this.entries = new Entry[loops.size()];
    }

    FiberCensus census(int loopIndex) {
        long now = System.nanoTime();
        synchronized (entries) {
            Entry entry = entries[loopIndex];
            if (entry == null || now - entry.takenAt > MAX_AGE_NANOS) {
                entry = new Entry(now, FiberRegistry.of(loops.get(loopIndex)).census());
                entries[loopIndex] = entry;
            }
            return entry.census;
        }
    }

    private record Entry(long takenAt, FiberCensus census) {
    }
}
