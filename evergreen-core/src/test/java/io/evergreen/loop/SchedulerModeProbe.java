package io.evergreen.loop;

import io.evergreen.fiber.Fiber;

/**
 * Run in a child JVM by {@link JdkVirtualThreadHookTest}: tries each scheduler mode and prints one line per
 * mode, {@code <MODE> ok <what a fiber returned>} or {@code <MODE> failed <exception>: <message>}.
 */
public final class SchedulerModeProbe {

    private SchedulerModeProbe() {
    }

    public static void main(String[] args) {
        for (SchedulerMode mode : SchedulerMode.values()) {
            System.out.println(mode + " " + probe(mode));
        }
    }

    private static String probe(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String answer = Fiber.builder().loop(group.loop(0)).start(() -> "fiber ran").join();
            return "ok " + answer;
        } catch (RuntimeException e) {
            return "failed " + e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
