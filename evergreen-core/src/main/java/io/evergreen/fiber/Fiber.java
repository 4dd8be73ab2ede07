package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.JdkVirtualThreadHook;
import io.evergreen.loop.LoopBound;
import io.evergreen.loop.LoopStats;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A cooperative microthread bound to one {@link EventLoop} for its whole life.
 * <p>
 * A fiber is a virtual thread whose scheduler is its loop ({@link SchedulerMode#LOOP}): fibers of one loop
 * never run at the same time, and anything that blocks (evergreen's primitives, JDK locks, queues, sockets,
 * {@code Thread.sleep}, JDBC) parks the fiber while the loop runs the next one. Inside a fiber,
 * {@code Thread.currentThread()} is the fiber's virtual thread, so every JDK API behaves as on any
 * virtual thread. A virtual thread created inside a fiber with {@code Thread.ofVirtual()} inherits its
 * scheduler and so lands on the same loop.
 * <pre>{@code
 * Fiber<Void> f = Fiber.builder().loop(loop).name("worker").unstarted(() -> work());
 * f.start();
 * f.join();
 * Fiber<Integer> g = Fiber.spawn(() -> compute());   // from a fiber: on the parent's loop
 * }</pre>
 * Fibers also switch like greenlets: {@link #switchTo(Object)} hands control and a value to another fiber
 * of the same loop and waits to be switched back; {@link #throwInto(Throwable)} resumes it by raising.
 *
 * @param <T> the result type
 */
public final class Fiber<T> implements LoopBound {

    private static final System.Logger LOG = System.getLogger(Fiber.class.getName());

    private static final VarHandle STATE;
    private static final VarHandle AWAITING_SWITCH;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Fiber.class, "state", FiberState.class);
            AWAITING_SWITCH = lookup.findVarHandle(Fiber.class, "awaitingSwitch", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Object DEFAULT_GROUP_LOCK = new Object();
    private static volatile EventLoopGroup defaultGroup;
    private static volatile EventLoopGroup builtInDefaultGroup;
    private static volatile UnaryOperator<Callable<?>> taskDecorator;

    private final EventLoop loop;
    private final Fiber<?> parent;
    private volatile String name;
    private final Callable<T> task;
    private final Thread thread;
    private final FiberRegistry registry;
    private final Result<T> outcome = new Result<>();
    private volatile FiberState state = FiberState.NEW;
    private volatile long startedNanos;

    // Cancellation and timeouts, delivered at evergreen blocking points.
    private volatile boolean cancelRequested;
    private boolean cancelDelivered;
    private volatile Timeout.Scope expiredTimeout;
    /** The innermost {@link Timeout} running in this fiber; this fiber's thread only. */
    Timeout.Scope innermostTimeout;
    private Runnable unparker;

    // Fiber-local values (see FiberLocal). Entries are counted on the loop once the fiber runs.
    LocalMap locals;
    private int countedLocalEntries;

    // Greenlet-style switching: a one-slot mailbox.
    private volatile boolean awaitingSwitch;
    private volatile boolean switchDelivered;
    private Object switchValue;
    private Throwable switchError;
    private volatile boolean switchedInto;
    private volatile Throwable startError;

    // Links of FiberRegistry's intrusive list.
    Fiber<?> previousLive;
    Fiber<?> nextLive;

    private Fiber(EventLoop loop, String name, Callable<T> task) {
        this.loop = loop;
        this.name = name;
        this.task = decorate(task);
        Fiber<?> creator = current();
        this.parent = creator;
        this.registry = FiberRegistry.of(loop);
        if (creator != null && creator.locals != null) {
            LocalMap inherited = creator.locals.inheritableCopy();
            if (inherited != null) {
                this.locals = inherited;
                loop.stats().recordLocalsInherited(inherited.size());
            }
        }
        if (loop.mode() == SchedulerMode.LOOP) {
            this.thread = JdkVirtualThreadHook.newVirtualThread(registry.scheduler(), name == null ? "" : name,
                    this::runBody);
            new FiberRunner(this, thread, loop, ThreadLocalRandom.current().nextInt());
        } else {
            this.thread = Thread.ofVirtual().name(name == null ? "" : name).unstarted(this::runBody);
        }
    }

    // ---------------------------------------------------------------- creation

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates and starts a fiber: on the current fiber's loop when called from a fiber, else on a loop of
     * the default group.
     */
    public static <T> Fiber<T> spawn(Callable<T> task) {
        return builder().start(task);
    }

    public static Fiber<Void> spawn(Runnable task) {
        return builder().start(task);
    }

    /**
     * The group that {@link #spawn} uses outside any fiber: the one set with {@link #setDefaultGroup} while it is
     * open, else one created on first use (daemon loops, one per CPU). A set group that has begun closing (its
     * application context closed, say) is passed over, so spawning outside fibers keeps working.
     */
    public static EventLoopGroup defaultGroup() {
        EventLoopGroup configured = defaultGroup;
        if (configured != null && !configured.isClosing()) {
            return configured;
        }
        EventLoopGroup builtIn = builtInDefaultGroup;
        if (builtIn == null) {
            synchronized (DEFAULT_GROUP_LOCK) {
                builtIn = builtInDefaultGroup;
                if (builtIn == null) {
                    builtIn = EventLoopGroup.builder().daemon(true).threadNamePrefix("evergreen-default-loop-").build();
                    builtInDefaultGroup = builtIn;
                }
            }
        }
        return builtIn;
    }

    /** Makes {@link #spawn} use this group outside fibers while it is open (the Spring starter sets its own). */
    public static void setDefaultGroup(EventLoopGroup group) {
        defaultGroup = Objects.requireNonNull(group);
    }

    /**
     * Wraps the task of every fiber created from now on, the way Spring's {@code TaskDecorator} wraps a
     * submitted task: called on the creating thread (so it can capture that thread's context: MDC, tracing)
     * before the new fiber copies the creator's inheritable {@link FiberLocal}s (so it can set values for
     * the child to inherit); the task it returns is what the fiber runs, and must return the task's result.
     * Null removes it. Integrations (the Spring starter) set it; one decorator at a time.
     */
    public static void setTaskDecorator(UnaryOperator<Callable<?>> decorator) {
        taskDecorator = decorator;
    }

    /** The decorator set with {@link #setTaskDecorator}, or null. */
    public static UnaryOperator<Callable<?>> taskDecorator() {
        return taskDecorator;
    }

    @SuppressWarnings("unchecked")
    private static <T> Callable<T> decorate(Callable<T> task) {
        UnaryOperator<Callable<?>> decorator = taskDecorator;
        return decorator == null ? task : (Callable<T>) Objects.requireNonNull(decorator.apply(task));
    }

    /** The fiber running this code, or null outside fibers. */
    public static Fiber<?> current() {
        return EventLoop.currentBinding() instanceof Fiber<?> fiber ? fiber : null;
    }

    /**
     * Starts a fiber created {@link Builder#unstarted unstarted}.
     * @throws IllegalStateException when already started
     * @throws RejectedExecutionException when its loop is closing (from outside its group) or stopped
     */
    public Fiber<T> start() {
        if (!STATE.compareAndSet(this, FiberState.NEW, FiberState.RUNNABLE)) {
            throw new IllegalStateException(this + " was already started (" + state + ")");
        }
        launch();
        return this;
    }

    private void launch() {
        // Live from now on, not only once it first runs: EventLoopGroup.close waits for (or cancels) the fibers
        // it sees registered, and must not miss one started just before it began. Registering before reading
        // isClosing means that either close sees this fiber or this fiber sees close.
        registry.add(this);
        EventLoopGroup group = loop.group();
        if (group.isClosing() && group.current() == null) {
            registry.remove(this);
            rejectStart(new RejectedExecutionException(loop + " is closing: no new fibers from outside its group"));
        }
        startedNanos = System.nanoTime();
        loop.stats().recordFiberStarted();
        try {
            thread.start();
        } catch (RejectedExecutionException e) {
            registry.remove(this);
            loop.stats().recordFiberCancelled();
            rejectStart(e);
        }
    }

    private void rejectStart(RejectedExecutionException e) {
        state = FiberState.CANCELLED;
        outcome.fail(new FiberCancelledException(this + " could not start", e));
        throw e;
    }

    // ---------------------------------------------------------------- the body

    private void runBody() {
        if (loop.mode() == SchedulerMode.JDK) {
            // JDK-mode fibers are not mounted by their loop: they find themselves through a thread-local.
            EventLoop.bindCurrentThread(this);
        }
        if (locals != null) {
            localEntriesChanged(locals.size());
        }
        T value = null;
        Throwable failure = null;
        try {
            Throwable pending = startError;
            if (pending != null) {
                throw pending;
            }
            if (cancelRequested) {
                cancelDelivered = true;
                throw new FiberCancelledException(this + " was cancelled before it ran");
            }
            value = task.call();
        } catch (Throwable t) {
            failure = t;
        }
        finish(value, failure);
    }

    private void finish(T value, Throwable failure) {
        releaseLocals();
        registry.remove(this);
        LoopStats stats = loop.stats();
        if (failure == null) {
            state = FiberState.DONE;
            stats.recordFiberSucceeded();
            outcome.complete(value);
        } else if (failure instanceof FiberCancelledException || cancelRequested) {
            state = FiberState.CANCELLED;
            stats.recordFiberCancelled();
            outcome.fail(failure);
        } else {
            state = FiberState.FAILED;
            stats.recordFiberFailed();
            LOG.log(System.Logger.Level.DEBUG, () -> this + " failed", failure);
            outcome.fail(failure);
        }
        // Exit callbacks ran in this fiber while the outcome settled, and may have set fiber-locals again.
        releaseLocals();
        if (switchedInto && parent != null) {
            // Greenlet semantics: a fiber that was switched into hands its result to its parent.
            parent.deliverSwitch(failure instanceof FiberCancelledException ? null : value,
                    failure instanceof FiberCancelledException ? null : failure, false);
        }
    }

    private void releaseLocals() {
        if (countedLocalEntries != 0) {
            localEntriesChanged(-countedLocalEntries);
        }
        locals = null;
    }

    /**
     * For {@link FiberLocal#isolate()}: sets the fiber-local storage aside and starts an empty one. The entries set
     * aside stay counted: the fiber still holds them.
     */
    LocalMap isolateLocals() {
        LocalMap saved = locals;
        locals = null;
        return saved;
    }

    /** For {@link FiberLocal.Isolation#close()}: drops the isolated storage and puts back what was set aside. */
    void restoreLocals(LocalMap saved) {
        LocalMap dropped = locals;
        if (dropped != null && dropped.size() > 0) {
            localEntriesChanged(-dropped.size());
        }
        locals = saved;
    }

    void localEntriesChanged(int delta) {
        countedLocalEntries += delta;
        loop.stats().recordLocalEntries(delta);
    }

    // ---------------------------------------------------------------- state, called by FiberRunner

    // Opaque writes: these states are for observers (dumps, metrics) and cost a fence per switch if volatile.
    // The one decision that depends on them, RUNNING -> PARKED, is a compare-and-set that a racing wake-up wins.

    void markRunnable() {
        if (!state.isTerminal()) {
            STATE.setOpaque(this, FiberState.RUNNABLE);
        }
    }

    void markRunning() {
        if (!state.isTerminal()) {
            STATE.setOpaque(this, FiberState.RUNNING);
        }
    }

    void markParkedIfStillRunning() {
        STATE.compareAndSet(this, FiberState.RUNNING, FiberState.PARKED);
    }

    // ---------------------------------------------------------------- observation

    /** The fiber's id: its virtual thread's {@link Thread#threadId()}. */
    public long id() {
        return thread.threadId();
    }

    public String name() {
        String current = name;
        return current != null ? current : "fiber-" + id();
    }

    /**
     * Renames the fiber (and its virtual thread), for dumps, stacks and the blocked-loop log: a server names the
     * fiber after the request it serves, and back when the request is done.
     * @param newName the new name, or null for the default {@code fiber-<id>}
     * @return the name it had been given before, or null when it had the default: what to rename it back to (unlike
     *         {@link #name()}, it builds no default name, a string per call on a server's path)
     */
    public String rename(String newName) {
        String previous = name;
        name = newName;
        thread.setName(newName == null ? "" : newName);
        return previous;
    }

    public EventLoop loop() {
        return loop;
    }

    /** The fiber that created this one, or null when created outside fibers. */
    public Fiber<?> parent() {
        return parent;
    }

    /** The fiber's virtual thread (for stacks and thread-level tools). */
    public Thread thread() {
        return thread;
    }

    public FiberState state() {
        FiberState s = state;
        if (s.isTerminal() || s == FiberState.NEW || loop.mode() == SchedulerMode.LOOP) {
            return s;
        }
        // JDK mode: the default scheduler does not say when a fiber mounts; its thread's state tells running
        // (or ready: the JDK does not distinguish them) from parked.
        return switch (thread.getState()) {
            case NEW -> FiberState.RUNNABLE;
            case RUNNABLE -> FiberState.RUNNING;
            case BLOCKED, WAITING, TIMED_WAITING -> FiberState.PARKED;
            case TERMINATED -> state;
        };
    }

    /** Whether the fiber was started (or switched into) and has not ended. */
    public boolean isAlive() {
        FiberState s = state;
        return s != FiberState.NEW && !s.isTerminal();
    }

    public boolean isDone() {
        return state.isTerminal();
    }

    /** Nanoseconds since the fiber started, or 0 before it starts. */
    public long ageNanos() {
        long started = startedNanos;
        return started == 0 ? 0 : System.nanoTime() - started;
    }

    /** What the fiber is parked on ({@link LockSupport#getBlocker}), or null. */
    public Object parkBlocker() {
        return LockSupport.getBlocker(thread);
    }

    /** The fiber's stack right now (empty when it is not alive). */
    public StackTraceElement[] stackTrace() {
        return thread.getStackTrace();
    }

    // ---------------------------------------------------------------- results

    /**
     * Waits for the fiber to end and returns its result.
     * @throws FiberFailedException when it failed (the cause keeps its original stack)
     * @throws FiberCancelledException when it was cancelled, or the caller was cancelled while waiting
     */
    public T join() {
        outcome.awaitDone(Long.MAX_VALUE);
        return result();
    }

    /**
     * Waits up to {@code timeout} for the fiber to end.
     * @throws FiberTimeoutException when it is still running after the timeout
     */
    public T join(Duration timeout) {
        if (!outcome.awaitDone(timeout)) {
            throw new FiberTimeoutException(this + " did not end within " + timeout);
        }
        return result();
    }

    /**
     * The result of an ended fiber.
     * @throws IllegalStateException when it has not ended
     */
    public T result() {
        if (!outcome.isDone()) {
            throw new IllegalStateException(this + " has not ended (" + state() + ")");
        }
        Throwable failure = outcome.failureNow();
        if (failure == null) {
            return outcome.valueNow();
        }
        if (state == FiberState.CANCELLED) {
            throw new FiberCancelledException(this + " was cancelled", failure);
        }
        throw new FiberFailedException(toString(), failure);
    }

    /** The exception the fiber ended with, or null. */
    public Throwable failure() {
        return outcome.failureNow();
    }

    /**
     * Runs the callback when the fiber ends (at once if it has): in the ending fiber, or in the caller.
     */
    public Fiber<T> onExit(Consumer<? super Fiber<T>> callback) {
        Objects.requireNonNull(callback);
        outcome.whenDone(ignored -> callback.accept(this));
        return this;
    }

    // ---------------------------------------------------------------- cancellation

    /**
     * Cancels the fiber: one that has not started never runs; a running one gets
     * {@link FiberCancelledException} at its next evergreen blocking point (the JDK's interruption at a JDK
     * blocking point). Does nothing to an ended fiber. Safe from any thread.
     */
    public void cancel() {
        if (state.isTerminal() || cancelRequested) {
            return;
        }
        cancelRequested = true;
        if (STATE.compareAndSet(this, FiberState.NEW, FiberState.CANCELLED)) {
            loop.stats().recordFiberCancelled();
            outcome.fail(new FiberCancelledException(this + " was cancelled before it started"));
            return;
        }
        thread.interrupt();
    }

    public boolean isCancelRequested() {
        return cancelRequested;
    }

    void timeoutExpired(Timeout.Scope scope) {
        Timeout.Scope pending = expiredTimeout;
        if (pending != null && pending != scope) {
            // Nested timeouts that both expired before the fiber ran: the inner one is delivered first, the
            // outer one again when the inner Timeout ends (Timeout.Scope#end), so that neither is lost.
            if (scope.encloses(pending)) {
                scope.displaced = true;
                return;
            }
            pending.displaced = true;
        }
        expiredTimeout = scope;
        thread.interrupt();
    }

    /** Whether a wake-up of this fiber carries a cancellation, a timeout or an interrupt to act on. */
    boolean hasPendingInterrupt() {
        return cancelRequested && !cancelDelivered || expiredTimeout != null || thread.isInterrupted();
    }

    /**
     * Throws a pending cancellation (once), an expired timeout, or a plain interrupt (clearing the interrupt
     * status) of this fiber, the caller being this fiber. Returns normally when nothing is pending.
     */
    void throwPendingInterrupt() {
        if (cancelRequested && !cancelDelivered) {
            cancelDelivered = true;
            Thread.interrupted();
            throw new FiberCancelledException(this + " was cancelled");
        }
        Timeout.Scope expired = expiredTimeout;
        if (expired != null) {
            expiredTimeout = null;
            Thread.interrupted();
            throw expired.exception();
        }
        if (Thread.interrupted() && !cancelRequested) {
            throw new FiberCancelledException(this + " was interrupted while waiting");
        }
        // Else: the leftover wake-up of a cancellation already delivered; cleared above.
    }

    /** Clears a timeout that expired but was never delivered (its body ended first). */
    void clearExpiredTimeout(Timeout.Scope scope) {
        if (expiredTimeout == scope) {
            expiredTimeout = null;
            Thread.interrupted();
        }
    }

    Runnable unparker() {
        Runnable u = unparker;
        if (u == null) {
            unparker = u = () -> LockSupport.unpark(thread);
        }
        return u;
    }

    // ---------------------------------------------------------------- sleeping and yielding

    /**
     * Suspends the current fiber for the duration, on its loop's timer (a thread outside fibers sleeps).
     * In a fiber, a plain interrupt does not cut the sleep short (the interrupt status is kept); cancellation
     * and an expired {@link Timeout} do, with their exceptions. Outside fibers an interrupt ends the sleep with
     * {@link FiberCancelledException}, the interrupt status kept.
     */
    public static void sleep(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        boolean interrupted = false;
        try {
            while (deadline - System.nanoTime() > 0) {
                FiberParking.parkUntil(Fiber.class, deadline);
                Fiber<?> self = current();
                if (self != null) {
                    boolean wasInterrupted = Thread.currentThread().isInterrupted();
                    if (self.cancelRequested && !self.cancelDelivered || self.expiredTimeout != null) {
                        self.throwPendingInterrupt();
                    }
                    interrupted |= wasInterrupted && Thread.interrupted();
                } else if (Thread.currentThread().isInterrupted()) {
                    // Outside fibers an interrupt is the only way to cancel (a Timeout uses it): honour it.
                    throw new FiberCancelledException(Thread.currentThread() + " was interrupted while sleeping");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Lets the other ready fibers of the loop run, then continues. Also a cancellation point: a loop that
     * computes without blocking should call it now and then.
     */
    public static void yieldNow() {
        Thread.yield();
        Fiber<?> self = current();
        if (self != null && (self.cancelRequested && !self.cancelDelivered || self.expiredTimeout != null)) {
            self.throwPendingInterrupt();
        }
    }

    // ---------------------------------------------------------------- greenlet-style switching

    /**
     * Suspends the calling fiber and resumes this one (starting it if new) with {@code value}; returns the
     * value with which some fiber switches back to the caller. When this fiber ends and the caller is its
     * parent, its result is what the caller gets (its failure is what the caller throws).
     * <p>
     * The target must be new, or suspended in a switch; both fibers must share a loop.
     * @throws IllegalStateException otherwise, or when the target has ended
     */
    public Object switchTo(Object value) {
        return transfer(value, null);
    }

    /**
     * Like {@link #switchTo(Object)}, but the target resumes by throwing {@code error} from its own
     * {@code switchTo}. A fiber not yet started ends with the error without running, and the error passes to
     * its parent.
     */
    public Object throwInto(Throwable error) {
        return transfer(null, Objects.requireNonNull(error));
    }

    private Object transfer(Object value, Throwable error) {
        Fiber<?> self = current();
        if (self == null) {
            throw new IllegalStateException("switchTo/throwInto must be called from a fiber");
        }
        if (self == this) {
            if (error != null) {
                throw Fiber.<RuntimeException>sneaky(error);
            }
            return value;
        }
        if (self.loop != loop) {
            throw new IllegalStateException("Cannot switch from " + self + " to " + this + ": they live on different loops");
        }
        if (state.isTerminal()) {
            throw new IllegalStateException("Cannot switch to " + this + ": it has ended (" + state + ")");
        }
        // Become switchable before handing over control, so that the target may switch back at once.
        self.awaitingSwitch = true;
        try {
            if (STATE.compareAndSet(this, FiberState.NEW, FiberState.RUNNABLE)) {
                switchedInto = true;
                startError = error;
                launch();
            } else if (!deliverSwitch(value, error, true)) {
                throw new IllegalStateException("Cannot switch to " + this + ": it is not suspended in a switch ("
                        + state() + ")");
            }
        } catch (RuntimeException e) {
            self.awaitingSwitch = false;
            throw e;
        }
        return self.awaitSwitch();
    }

    /** Hands a value or error to this fiber if it is suspended in a switch. */
    private boolean deliverSwitch(Object value, Throwable error, boolean markSwitchedInto) {
        if (!AWAITING_SWITCH.compareAndSet(this, true, false)) {
            return false;
        }
        if (markSwitchedInto) {
            switchedInto = true;
        }
        switchValue = value;
        switchError = error;
        switchDelivered = true;
        LockSupport.unpark(thread);
        return true;
    }

    private Object awaitSwitch() {
        try {
            while (!switchDelivered) {
                LockSupport.park(this);
                if (!switchDelivered && hasPendingInterrupt() && AWAITING_SWITCH.compareAndSet(this, true, false)) {
                    // No switch can land now: leave by the pending exception, or stay switchable.
                    throwPendingInterrupt();
                    awaitingSwitch = true;
                }
            }
        } finally {
            awaitingSwitch = false;
        }
        switchDelivered = false;
        Object value = switchValue;
        Throwable error = switchError;
        switchValue = null;
        switchError = null;
        if (error != null) {
            throw Fiber.<RuntimeException>sneaky(error);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable error) throws E {
        throw (E) error;
    }

    @Override
    public String toString() {
        String current = name;
        return "Fiber[" + id() + (current != null ? " " + current : "") + " @" + loop + "]";
    }

    // ---------------------------------------------------------------- builder

    /**
     * Creates fibers. Without {@link #loop(EventLoop)}, a fiber goes to the current fiber's loop (locality),
     * else to the next loop of the {@link #defaultGroup() default group}.
     */
    public static final class Builder {

        private EventLoop loop;
        private String name;

        private Builder() {
        }

        public Builder loop(EventLoop loop) {
            this.loop = Objects.requireNonNull(loop);
            return this;
        }

        /** The fiber's name (and its virtual thread's): shown in dumps, stacks and the blocked-loop log. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        public <T> Fiber<T> unstarted(Callable<T> task) {
            return new Fiber<>(chooseLoop(), name, Objects.requireNonNull(task));
        }

        public Fiber<Void> unstarted(Runnable task) {
            Objects.requireNonNull(task);
            return new Fiber<>(chooseLoop(), name, () -> {
                task.run();
                return null;
            });
        }

        public <T> Fiber<T> start(Callable<T> task) {
            return unstarted(task).start();
        }

        public Fiber<Void> start(Runnable task) {
            return unstarted(task).start();
        }

        private EventLoop chooseLoop() {
            if (loop != null) {
                return loop;
            }
            Fiber<?> current = current();
            return current != null ? current.loop : defaultGroup().next();
        }
    }
}
