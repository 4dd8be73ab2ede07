package io.evergreen.monitor;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberRegistry;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Dumps the live fibers of a group, loop by loop: each loop's registry is copied under its own lock (a few
 * pointer reads per fiber), then stacks are taken fiber by fiber. No loop waits for another, and nothing stops
 * the world; the dump is as consistent as a thread dump taken without a safepoint would be.
 */
public final class FiberDump {

    private FiberDump() {
    }

    /**
     * Which fibers to include.
     *
     * @param states the states to keep; empty for all
     * @param minAge the youngest age to keep
     * @param limit the most fibers to return
     * @param withStacks whether to take each fiber's stack
     */
    public record Query(Set<FiberState> states, Duration minAge, int limit, boolean withStacks) {

        public static final Query ALL = new Query(Set.of(), Duration.ZERO, Integer.MAX_VALUE, true);

        public Query {
            states = Set.copyOf(states);
            if (minAge.isNegative()) {
                throw new IllegalArgumentException("minAge must not be negative: " + minAge);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative: " + limit);
            }
        }

        boolean matches(FiberSnapshot fiber) {
            return (states.isEmpty() || states.contains(fiber.state())) && fiber.age().compareTo(minAge) >= 0;
        }
    }

    /** The live fibers of the group that match the query, loop by loop, newest first within a loop. */
    public static List<FiberSnapshot> take(EventLoopGroup group, Query query) {
        List<FiberSnapshot> dump = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            for (Fiber<?> fiber : FiberRegistry.of(loop).liveFibers()) {
                if (dump.size() >= query.limit()) {
                    return dump;
                }
                if (!fiber.isAlive()) {
                    continue; // ended since the copy
                }
                // The cheap fields first: no stack walk for a fiber the query drops.
                FiberSnapshot light = FiberSnapshot.of(fiber, false);
                if (query.matches(light)) {
                    dump.add(query.withStacks() ? FiberSnapshot.of(fiber, true) : light);
                }
            }
        }
        return dump;
    }

    /** The fiber of the group with that id, if it is alive. */
    public static FiberSnapshot find(EventLoopGroup group, long id) {
        for (EventLoop loop : group.loops()) {
            for (Fiber<?> fiber : FiberRegistry.of(loop).liveFibers()) {
                if (fiber.id() == id && fiber.isAlive()) {
                    return FiberSnapshot.of(fiber, true);
                }
            }
        }
        return null;
    }

    /**
     * The fibers as text laid out like a JVM thread dump, one block per fiber:
     * <pre>
     * "GET /orders#12" #53 loop=0 PARKED age=1.204s parent=#41
     *    parked on java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject@1b2c3d
     *         at java.base/jdk.internal.misc.Unsafe.park(Native Method)
     * </pre>
     */
    public static String toText(EventLoopGroup group, List<FiberSnapshot> fibers) {
        StringBuilder text = new StringBuilder();
        text.append("Evergreen fiber dump ").append(Instant.now()).append(": ").append(fibers.size())
            .append(fibers.size() == 1 ? " fiber" : " fibers").append(", ").append(group.loops().size())
            .append(" loops, ").append(group.mode()).append(" mode\n");
        for (FiberSnapshot fiber : fibers) {
            text.append('\n');
            appendText(text, fiber);
        }
        return text.toString();
    }

    /** One fiber as a thread-dump-like block. */
    public static String toText(FiberSnapshot fiber) {
        StringBuilder text = new StringBuilder();
        appendText(text, fiber);
        return text.toString();
    }

    private static void appendText(StringBuilder text, FiberSnapshot fiber) {
        text.append('"').append(fiber.name()).append("\" #").append(fiber.id()).append(" loop=").append(fiber.loop())
            .append(' ').append(fiber.state()).append(" age=").append(seconds(fiber.age()));
        if (fiber.parentId() >= 0) {
            text.append(" parent=#").append(fiber.parentId());
        }
        text.append('\n');
        if (fiber.parkBlocker() != null) {
            text.append("   parked on ").append(fiber.parkBlocker()).append('\n');
        }
        for (StackTraceElement frame : fiber.stack()) {
            text.append("        at ").append(frame).append('\n');
        }
    }

    private static String seconds(Duration age) {
        return String.format(java.util.Locale.ROOT, "%.3fs", age.toNanos() / 1e9);
    }
}
