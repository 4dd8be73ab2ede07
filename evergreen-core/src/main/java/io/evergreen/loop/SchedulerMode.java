package io.evergreen.loop;

/**
 * Who schedules the fibers of an {@link EventLoopGroup}.
 */
public enum SchedulerMode {

    /**
     * Fibers are virtual threads whose scheduler is their event loop: one fiber at a time per loop,
     * a fiber never leaves its loop. Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}.
     */
    LOOP,

    /**
     * Fibers are virtual threads on the JDK's default scheduler. Runs without any JVM flag, but fibers
     * of one loop may run at the same time on different carriers and are not pinned to a thread. Loops
     * still run callbacks, timers and I/O, and every fiber is still named, counted and dumpable.
     */
    JDK
}
