package io.evergreen.loop;

/**
 * Starts the JDK's socket pollers, once per JVM, in the mode that {@link SchedulerMode#LOOP} groups want: the first
 * such group calls {@link #startForLoops()} before any of its fibers runs.
 * <p>
 * A fiber that blocks on a JDK socket (JDBC, an HTTP client) parks in the JDK's {@code sun.nio.ch.Poller}, whose
 * threads unpark it when the socket is ready. By default (JDK 25 on Linux, {@code jdk.pollerMode=2}) those are
 * virtual sub-pollers woken by a platform master poller. For loop-scheduled fibers that is two thread hand-offs
 * per socket wait: the master poller, then a carrier of the JDK's default scheduler, which in an Evergreen
 * application sits idle and must be woken each time. And were the first sub-poller created from a fiber, it would
 * inherit that fiber's loop, and one busy loop would stall every JDK socket of the JVM (DESIGN, hazard 1). So,
 * unless the user chose a mode, Evergreen selects {@code jdk.pollerMode=1}: platform poller threads that unpark
 * the waiting fiber directly (on {@code POST /orders}: 6.8 µs of poller CPU per request instead of 30). The
 * property is read once, when {@code sun.nio.ch.Poller} is initialised, which this class then does (needing no
 * access rights, only the class name), before the group's first fiber can run. If the JVM had already initialised
 * it (a virtual thread blocked on a socket before the first loop group, fibers of a {@link SchedulerMode#JDK} group
 * among them), the JDK's mode stays, whatever the property then says.
 * <p>
 * Only for loops: fibers of {@link SchedulerMode#JDK} run on the JDK's default scheduler, whose carriers run the
 * JDK's virtual sub-pollers as they run the fibers. There the platform pollers cost throughput: in one run of
 * {@code POST /orders} in alternation, platform pollers took plain virtual threads to 0.89 of their default, and
 * Evergreen's JDK-scheduler mode without them reached 0.97 of virtual threads (benchmarks/RESULTS.md, §13).
 * <p>
 * It may run inside a virtual thread (the first loop group created by one): that thread then has the JDK's default
 * scheduler, since no loop exists yet to schedule it, and sub-pollers it would start inherit that scheduler, as
 * they would from the JDK itself. Kept apart from {@link JdkVirtualThreadHook}, whose class initialisation a fiber's
 * first {@code Fiber.current()} may run: with the poller start in there, a platform thread it waited for needed
 * that very initialisation, and the two waited for each other forever.
 */
final class JdkPollerStarter {

    /** The JDK system property that picks how its socket pollers run. */
    static final String POLLER_MODE_PROPERTY = "jdk.pollerMode";

    /** {@code SYSTEM_THREADS}: platform poller threads. */
    static final String POLLER_MODE_FOR_LOOPS = "1";

    private static volatile boolean started;

    private JdkPollerStarter() {
    }

    /**
     * Selects {@link #POLLER_MODE_FOR_LOOPS} unless the user chose a mode, and initialises the JDK's pollers; returns
     * once they are started (or were already).
     */
    static void startForLoops() {
        if (started) {
            return;
        }
        synchronized (JdkPollerStarter.class) {
            if (started) {
                return;
            }
            if (System.getProperty(POLLER_MODE_PROPERTY) == null) {
                System.setProperty(POLLER_MODE_PROPERTY, POLLER_MODE_FOR_LOOPS);
            }
            initialisePollers();
            started = true;
        }
    }

    private static void initialisePollers() {
        try {
            Class.forName("sun.nio.ch.Poller", true, null);
        } catch (ClassNotFoundException | LinkageError e) {
            // Not fatal: the JDK then starts its pollers at their first use, in the mode selected above.
            System.getLogger(JdkPollerStarter.class.getName()).log(System.Logger.Level.WARNING,
                    "Could not start the JDK's socket pollers ahead of their first use", e);
        }
    }
}
