package io.evergreen.loop;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.util.concurrent.Executor;

/**
 * The one place where evergreen reaches into the JDK's internals: creating a virtual thread whose scheduler is
 * an event loop.
 * <p>
 * Checked against JDK 25 (25.0.3, Temurin). It calls the package-private static factory
 * {@code java.lang.ThreadBuilders.newVirtualThread(Executor scheduler, String name, int characteristics,
 * Runnable task)}, which the JDK keeps for its own tests of custom schedulers, and the package-private
 * intrinsic {@code Thread.currentCarrierThread()}; both need
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}. If a JDK renames or removes it, {@link #check()}
 * fails with a message saying so and {@link SchedulerMode#JDK} remains available.
 * <p>
 * The JDK's socket pollers, which a fiber blocked on a JDK socket waits in, are started by the first
 * {@link SchedulerMode#LOOP} group through {@link JdkPollerStarter}: see there why, and in which mode.
 * <p>
 * Public only because the fiber runtime lives in another package; not an API for applications.
 */
public final class JdkVirtualThreadHook {

    /** Thread characteristics: 0 = inherit inheritable thread-locals, like {@code Thread.ofVirtual()}. */
    private static final int CHARACTERISTICS = 0;

    private static final MethodHandle NEW_VIRTUAL_THREAD;
    private static final MethodHandle CURRENT_CARRIER_THREAD;
    private static final MethodHandle GET_CONTINUATION;
    private static final MethodHandle SET_CONTINUATION;
    private static final RuntimeException UNAVAILABLE;

    static {
        MethodHandle factory = null;
        MethodHandle carrier = null;
        MethodHandle getContinuation = null;
        MethodHandle setContinuation = null;
        RuntimeException failure = null;
        try {
            Class<?> builders = Class.forName("java.lang.ThreadBuilders");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(builders, MethodHandles.lookup());
            factory = lookup.findStatic(builders, "newVirtualThread",
                    MethodType.methodType(Thread.class, Executor.class, String.class, int.class, Runnable.class));
            carrier = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                    .findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
            Class<?> virtualThread = Class.forName("java.lang.VirtualThread");
            Field continuation = virtualThread.getDeclaredField("runContinuation");
            continuation.setAccessible(true); // final: only a setAccessible field yields a setter
            MethodHandles.Lookup threadLookup = MethodHandles.privateLookupIn(virtualThread, MethodHandles.lookup());
            getContinuation = threadLookup.unreflectGetter(continuation)
                    .asType(MethodType.methodType(Runnable.class, Thread.class));
            setContinuation = threadLookup.unreflectSetter(continuation)
                    .asType(MethodType.methodType(void.class, Thread.class, Runnable.class));
        } catch (IllegalAccessException | InaccessibleObjectException e) {
            failure = new IllegalStateException("Evergreen's LOOP scheduler needs the JVM option "
                    + "'--add-opens java.base/java.lang=ALL-UNNAMED' (or the jar manifest attribute "
                    + "'Add-Opens: java.base/java.lang'). Add it, or choose the JDK scheduler mode "
                    + "(SchedulerMode.JDK, property evergreen.scheduler=jdk), which needs no flag but gives up "
                    + "loop affinity and the one-fiber-at-a-time guarantee.", e);
        } catch (ReflectiveOperationException e) {
            failure = new IllegalStateException("This JDK (" + Runtime.version() + ") lacks "
                    + "java.lang.ThreadBuilders.newVirtualThread(Executor, String, int, Runnable) or the field "
                    + "java.lang.VirtualThread.runContinuation, which Evergreen's LOOP scheduler was built against "
                    + "(JDK 25). Choose the JDK scheduler mode "
                    + "(SchedulerMode.JDK, property evergreen.scheduler=jdk).", e);
        }
        NEW_VIRTUAL_THREAD = factory;
        CURRENT_CARRIER_THREAD = failure == null ? carrier : null;
        GET_CONTINUATION = failure == null ? getContinuation : null;
        SET_CONTINUATION = failure == null ? setContinuation : null;
        UNAVAILABLE = failure;
    }

    private JdkVirtualThreadHook() {
    }

    /**
     * Throws, with the fix in the message, when loop-scheduled virtual threads cannot be created here.
     */
    public static void check() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE.getMessage(), UNAVAILABLE.getCause());
        }
    }

    /** Whether loop-scheduled virtual threads can be created in this JVM. */
    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /**
     * An unstarted virtual thread that the given executor schedules: each time the thread is ready to run,
     * the JDK hands {@code scheduler} a task that mounts it on the calling (carrier) thread.
     */
    public static Thread newVirtualThread(Executor scheduler, String name, Runnable task) {
        check();
        try {
            return (Thread) NEW_VIRTUAL_THREAD.invokeExact(scheduler, name, CHARACTERISTICS, task);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Puts {@code replacement} in place of the task the JDK hands the scheduler each time the virtual thread
     * is ready to run ({@code VirtualThread.runContinuation}), and returns the JDK's own task, which
     * {@code replacement} must run to mount the thread. The scheduler then recognises the thread by its task
     * alone, so that one scheduler can serve every thread of a loop (the JDK gives a scheduler that is a
     * {@code ForkJoinPool} the thread's timeouts too). Only on a thread not yet started, made by
     * {@link #newVirtualThread}: the JDK reads the field each time it schedules the thread.
     */
    public static Runnable replaceContinuation(Thread unstarted, Runnable replacement) {
        check();
        if (unstarted.getState() != Thread.State.NEW) {
            throw new IllegalStateException(unstarted + " has started");
        }
        try {
            Runnable own = (Runnable) GET_CONTINUATION.invokeExact(unstarted);
            SET_CONTINUATION.invokeExact(unstarted, replacement);
            return own;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The platform thread the calling virtual thread is mounted on ({@code Thread.currentCarrierThread()}, a
     * JIT intrinsic), or the calling thread itself when it is a platform thread. The loop uses it to find the
     * fiber it has mounted without a thread-local per fiber. Only when {@link #isAvailable()}.
     */
    public static Thread currentCarrierThread() {
        try {
            return (Thread) CURRENT_CARRIER_THREAD.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
