package io.evergreen.loop;

/**
 * Starts the JDK's socket pollers from a platform thread, in the mode Evergreen's loops want (see
 * {@link JdkVirtualThreadHook}, whose initialisation calls {@link #start()}).
 * <p>
 * A class of its own because that initialisation may run inside a virtual thread (a fiber of
 * {@link SchedulerMode#JDK} asking for its binding is the first to touch the hook): the platform thread started here
 * then runs code of this class, already initialised, and not of the hook, whose initialisation the virtual thread
 * holds while it waits for the platform thread. With the code in the hook the two waited for each other forever.
 */
final class JdkPollerStarter {

    /** The JDK system property that picks how its socket pollers run. */
    static final String POLLER_MODE_PROPERTY = "jdk.pollerMode";

    /** {@code SYSTEM_THREADS}: platform poller threads; see {@link JdkVirtualThreadHook}. */
    static final String POLLER_MODE_FOR_LOOPS = "1";

    private JdkPollerStarter() {
    }

    /**
     * Selects {@link #POLLER_MODE_FOR_LOOPS} unless the user chose a mode, and initialises the JDK's pollers from a
     * platform thread; returns once they are started (or were already).
     */
    static void start() {
        if (System.getProperty(POLLER_MODE_PROPERTY) == null) {
            System.setProperty(POLLER_MODE_PROPERTY, POLLER_MODE_FOR_LOOPS);
        }
        if (!Thread.currentThread().isVirtual()) {
            initialisePollers();
            return;
        }
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
            // Not fatal: only the scheduler the JDK's pollers land on depends on it (see JdkVirtualThreadHook).
            System.getLogger(JdkPollerStarter.class.getName()).log(System.Logger.Level.WARNING,
                    "Could not start the JDK's socket pollers from a platform thread", e);
        }
    }
}
