package io.evergreen.loop;

import io.evergreen.fiber.Fiber;

import java.time.Duration;

/**
 * Run in a child JVM by {@link JdkPollerModeTest}, so that {@link JdkVirtualThreadHook} is initialised for the first
 * time inside a virtual thread: a group of {@link SchedulerMode#JDK} does not touch the hook, so the first
 * {@link Fiber#current()} of one of its fibers does. Prints {@code fiber found itself <true|false>}; a hook whose
 * initialisation waits for a thread that needs the hook initialised never prints it.
 */
public final class FirstTouchInVirtualThreadProbe {

    private FirstTouchInVirtualThreadProbe() {
    }

    public static void main(String[] args) {
        try (EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.JDK)) {
            Fiber<Boolean> fiber = Fiber.builder().loop(group.loop(0)).start(() -> Fiber.current() != null);
            System.out.println("fiber found itself " + fiber.join(Duration.ofSeconds(20)));
        }
        System.out.println("pollerMode " + System.getProperty("jdk.pollerMode"));
        // A deadlocked fiber would keep the JVM alive: end it, so that the test fails at once and not after its timeout.
        System.exit(0);
    }
}
