package io.evergreen.testing;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;

/**
 * How tests wait for a condition: polled often, with a limit generous enough that only a real hang
 * reaches it on a loaded two-core machine. Tests never sleep and hope.
 */
public final class Waiting {

    /** The longest any single wait of a test may take before the test fails. */
    public static final Duration LIMIT = Duration.ofSeconds(20);

    private Waiting() {
    }

    public static ConditionFactory await() {
        return Awaitility.await()
                .atMost(LIMIT)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2));
    }

    /** Waits until the fiber waits on something (a lock, a channel, an event, a socket...). */
    public static void awaitParked(Fiber<?> fiber) {
        await().alias(fiber + " parked").until(() -> fiber.state() == FiberState.PARKED);
    }
}
