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
 * property is read once, when {@code sun.nio.ch.Poller} is initialised, which this class then does from a platform
 * thread (needing no access rights, only the class name); if the JVM had already initialised it, its mode stays.
 * <p>
 * Only for loops: fibers of {@link SchedulerMode#JDK} run on the JDK's default scheduler, whose carriers run the
 * JDK's virtual sub-pollers as they run the fibers. There the platform pollers cost throughput: on
 * {@code POST /orders}, 0.90 of the virtual-thread mode with them against 0.97 without, and platform pollers took
 * plain virtual threads to 0.89 (benchmarks/RESULTS.md, §13).
 * <p>
 * A class of its own, apart from {@link JdkVirtualThreadHook}, because a group may be created inside a virtual
 * thread: the platform thread started here then runs code of this class, already initialised. With this code in
 * the hook's initialisation, which a fiber's first {@code Fiber.current()} may run, the two threads waited for each
 * other forever.
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
     * Selects {@link #POLLER_MODE_FOR_LOOPS} unless the user chose a mode, and initialises the JDK's pollers from a
     * platform thread; returns once they are started (or were already).
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
            if (Thread.currentThread().isVirtual()) {
                initialiseFromPlatformThread();
            } else {
                initialisePollers();
            }
            started = true;
        }
    }

    private static void initialiseFromPlatformThread() {
        Thread starter = Thread.ofPlatform().name("evergreen-poller-init").unstarted(JdkPollerStarter::initialisePollers);
        starter.start();
        boolean interrupted = false;
        while (true) {
            try {
                starter.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void initialisePollers() {
        try {
            Class.forName("sun.nio.ch.Poller", true, null);
        } catch (ClassNotFoundException | LinkageError e) {
            // Not fatal: only the scheduler the JDK's pollers land on depends on it (see above).
            System.getLogger(JdkPollerStarter.class.getName()).log(System.Logger.Level.WARNING,
                    "Could not start the JDK's socket pollers from a platform thread", e);
        }
    }
}
