package io.evergreen.monitor;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;

import java.time.Duration;
import java.util.List;

/**
 * What a fiber dump shows of one fiber. It holds identities and code locations only: the park blocker is
 * named by its class and identity hash, never by its {@code toString()}, which could print data.
 *
 * @param id the fiber's id (its virtual thread's id)
 * @param name the fiber's name
 * @param loop the index of its loop
 * @param state its state when the snapshot was taken
 * @param age time since it started
 * @param parentId the id of the fiber that created it, or -1
 * @param parkBlocker what it is parked on ({@code ClassName@hash}), or null
 * @param stack its stack, or empty when not asked for
 */
public record FiberSnapshot(long id, String name, int loop, FiberState state, Duration age, long parentId,
        String parkBlocker, List<StackTraceElement> stack) {

    /** Takes a snapshot of a live fiber, with its stack or without. */
    public static FiberSnapshot of(Fiber<?> fiber, boolean withStack) {
        Fiber<?> parent = fiber.parent();
        Object blocker = fiber.parkBlocker();
        return new FiberSnapshot(fiber.id(), fiber.name(), fiber.loop().index(), fiber.state(),
                Duration.ofNanos(fiber.ageNanos()), parent == null ? -1 : parent.id(),
                blocker == null ? null : blocker.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(blocker)),
                withStack ? List.of(fiber.stackTrace()) : List.of());
    }
}
