package io.evergreen.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A single-threaded event loop: one platform thread that runs callbacks, timers, I/O readiness and the
 * fibers scheduled on it, one at a time.
 * <p>
 * An iteration ({@link #runOnce()}) is a short list of phases, as in libuv's {@code uv_run}:
 * <ol>
 *   <li>update the loop's notion of now;</li>
 *   <li>run the timers that are due;</li>
 *   <li>run the ready callbacks queued before this phase began (evergreen's "process all callbacks in an
 *       idle handle"), at most {@value #MAX_CALLBACKS_PER_ITERATION}: callbacks they queue, and those beyond
 *       the bound, run in a later iteration, so timers and I/O are never starved. What other threads hand in
 *       meanwhile joins the queue after each callback, so that a fiber woken from another loop (resumed work,
 *       see {@link ReadyQueue}) runs next instead of a whole phase later;</li>
 *   <li>poll I/O and dispatch readiness: without waiting while callbacks are pending, else until the next
 *       timer or a wake-up.</li>
 * </ol>
 * Nothing blocks the loop thread but that poll. {@link #execute(Runnable)} is safe from any thread: on the
 * loop thread it appends to the ready queue; elsewhere it goes through a lock-free queue and wakes the
 * selector only when the loop is asleep in its poll.
 */
public final class EventLoop implements Executor, LoopBound {

    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    /**
     * While callbacks keep the loop busy, a zero-timeout poll costs a system call per iteration. Fiber
     * switches take a few hundred nanoseconds, so polling on every iteration would dominate them; we
     * poll at most once per this interval while busy, which bounds the extra I/O latency to it.
     */
    static final long BUSY_POLL_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    /**
     * Under saturation thousands of fibers can be ready at once (a burst of requests); running them all in one
     * phase would leave due timers (a sleeper's wake-up, a timeout) and I/O waiting for the whole backlog, and
     * the timers' fibers would then queue behind what arrived meanwhile: twice the backlog. After this many
     * the loop goes round again (timers, then the rest in order). A few hundred callbacks take tens of
     * microseconds to milliseconds, so the extra iterations cost nothing measurable.
     */
    static final int MAX_CALLBACKS_PER_ITERATION = 256;

    /**
     * A loop takes work from the group's shared queue whenever it has nothing of its own to run, and besides once
     * every this many callbacks of its own, counted across phases: under saturation a loop whose fibers keep
     * waking each other (I/O completions, timers, a fiber that yields) never runs dry, and would otherwise leave
     * new requests to the other loops, or to nobody. The same share as new work gets in the loop's own queue
     * ({@link ReadyQueue#MAX_RESUMED_IN_A_ROW}).
     */
    static final int OWN_CALLBACKS_PER_SHARED_TASK = ReadyQueue.MAX_RESUMED_IN_A_ROW;

    private static final ThreadLocal<LoopBound> BINDING = new ThreadLocal<>();

    private static final int RUNNING = 0;
    private static final int STOPPING = 1;
    private static final int TERMINATED = 2;

    private static final VarHandle MOUNTED_THREAD;
    private static final VarHandle MOUNTED_TASK;
    private static final VarHandle POLLING;
    private static final VarHandle READY_DEPTH;
    private static final VarHandle TIMER_DEPTH;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MOUNTED_THREAD = lookup.findVarHandle(EventLoop.class, "mountedThread", Thread.class);
            MOUNTED_TASK = lookup.findVarHandle(EventLoop.class, "mountedTask", MountedTask.class);
            POLLING = lookup.findVarHandle(EventLoop.class, "polling", boolean.class);
            READY_DEPTH = lookup.findVarHandle(EventLoop.class, "readyDepth", int.class);
            TIMER_DEPTH = lookup.findVarHandle(EventLoop.class, "timerDepth", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int index;
    private final EventLoopGroup group;
    private final Thread thread;
    private final IoPoller poller;
    private final LoopStats stats;
    private final TimerQueue timers = new TimerQueue();
    private final ReadyQueue ready = new ReadyQueue();
    private final ConcurrentLinkedQueue<Runnable> inbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicReference<LoopResidents> residents = new AtomicReference<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile int runState = RUNNING;

    // Loop thread only.
    private long now;
    private long lastPollNanos;
    private long timerSequence;
    /** Callbacks waiting for the poller's next poll (see {@link #afterNextPoll}); a poll runs even while busy. */
    private final ArrayDeque<Runnable> afterPoll = new ArrayDeque<>();
    /** Callbacks of its own the loop ran since it last took a task of the group's shared queue. */
    private int ownCallbacksSinceSharedTask;
    // Written by the loop thread, read by others through the VarHandles above.
    private Thread mountedThread;
    /** The task that mounted {@link #mountedThread}; read by other threads only through {@link #mountedBinding()}. */
    private MountedTask mountedTask;
    /** Set by the mounted fiber just before it yields behind the fiber it woke (see {@link #yieldBehindWoken}). */
    private boolean yieldingBehindWoken;
    private boolean polling;
    private int readyDepth;
    private int timerDepth;

    EventLoop(EventLoopGroup group, int index, String threadName, boolean daemon, IoPoller poller) {
        this.group = group;
        this.index = index;
        this.poller = poller;
        this.stats = new LoopStats(this, group.mode());
        this.thread = new LoopThread(this, threadName, daemon);
        poller.attach(this);
    }

    void start() {
        thread.start();
    }

    /**
     * The loop of the calling thread: the loop itself on its thread, a fiber's loop inside a fiber;
     * null elsewhere.
     */
    public static EventLoop current() {
        LoopBound binding = currentBinding();
        return binding == null ? null : binding.loop();
    }

    /**
     * What the calling thread is bound to: its loop, or its fiber. Null for other threads.
     */
    public static LoopBound currentBinding() {
        Thread current = Thread.currentThread();
        if (current instanceof LoopThread loopThread) {
            return loopThread.loop;
        }
        if (!current.isVirtual()) {
            return null;
        }
        if (JdkVirtualThreadHook.isAvailable()
                && JdkVirtualThreadHook.currentCarrierThread() instanceof LoopThread carrier) {
            // A LOOP-mode fiber: the loop knows which task it mounted; no thread-local per fiber needed.
            EventLoop loop = carrier.loop;
            MountedTask task = loop.mountedTask;
            if (task != null && loop.mountedThread == current) {
                return task.binding();
            }
        }
        return BINDING.get();
    }

    /**
     * Whether the caller is a loop's own thread, running a callback (not a fiber): code that must never wait, since
     * what it would wait for may need that very thread.
     */
    public static boolean onLoopThread() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /**
     * Binds the calling thread to a loop for its whole life. The fiber runtime calls this as a fiber of
     * {@link SchedulerMode#JDK} starts (LOOP-mode fibers are found through their carrier, the loop thread);
     * application code has no reason to.
     */
    public static void bindCurrentThread(LoopBound binding) {
        BINDING.set(Objects.requireNonNull(binding));
    }

    @Override
    public EventLoop loop() {
        return this;
    }

    public int index() {
        return index;
    }

    public EventLoopGroup group() {
        return group;
    }

    public SchedulerMode mode() {
        return group.mode();
    }

    /** The loop's platform thread. */
    public Thread thread() {
        return thread;
    }

    public LoopStats stats() {
        return stats;
    }

    public IoPoller poller() {
        return poller;
    }

    /**
     * Whether the caller runs on this loop: on the loop thread, or inside a fiber mounted on it.
     */
    public boolean inLoop() {
        Thread current = Thread.currentThread();
        return current == thread || current == mountedThread;
    }

    /**
     * The virtual thread mounted on the loop right now, or null while the loop runs plain callbacks or
     * polls. Readable from any thread.
     */
    public Thread mountedThread() {
        return (Thread) MOUNTED_THREAD.getOpaque(this);
    }

    /**
     * What the virtual thread mounted on the loop right now is bound to (its fiber), or null while the loop
     * runs plain callbacks or polls. Readable from any thread, for monitors that blame a blocked loop on a
     * fiber; the answer may be a moment old.
     */
    public LoopBound mountedBinding() {
        MountedTask task = (MountedTask) MOUNTED_TASK.getOpaque(this);
        return task == null ? null : task.binding();
    }

    // ---------------------------------------------------------------- scheduling

    /**
     * Runs the task on the loop thread, after the callbacks already queued. Safe from any thread.
     * @throws RejectedExecutionException when the loop has terminated
     */
    @Override
    public void execute(Runnable task) {
        Thread current = Thread.currentThread();
        if (current == thread) {
            if (yieldingBehindWoken && task == mountedTask) {
                // The mounted fiber's own yield, handed in by the JDK on this thread once the fiber has unmounted.
                yieldingBehindWoken = false;
                ready.addFirstResumed(task);
            } else {
                ready.add(task);
            }
        } else if (current == mountedThread) {
            // A fiber of this loop woke another: run that one next, while its data is hot (see ReadyQueue).
            if (task instanceof MountedTask) {
                ready.putInLifoSlot(task);
            } else {
                ready.add(task);
            }
        } else {
            submitExternally(Objects.requireNonNull(task));
        }
    }

    private void submitExternally(Runnable task) {
        if (runState == TERMINATED) {
            throw new RejectedExecutionException(thread.getName() + " has terminated");
        }
        inbound.offer(task);
        if (runState == TERMINATED && inbound.remove(task)) {
            // The loop ended between our check and our offer, and its last drain did not see the task.
            throw new RejectedExecutionException(thread.getName() + " has terminated");
        }
        stats.externalSubmitted.increment();
        wakeIfSleeping();
    }

    /**
     * Lets the fiber that the calling fiber has just woken on this loop (the one in the LIFO slot) run at once, and
     * continues the caller right after it, ahead of the rest of the loop's work: a direct hand-off, as Go's runtime
     * makes when a semaphore hands its permit to a waiter. For a waker that gives a resource back and still has work
     * of its own (a request that returns its database connection, then writes its response): the waiter puts the
     * resource back to work before the waker's remaining slice. Does nothing (and returns false) outside a fiber of
     * this loop, when no woken fiber waits in the slot, or when the caller cannot yield (pinned).
     */
    public boolean yieldBehindWoken() {
        if (Thread.currentThread() != mountedThread || !ready.hasLifoSlot()) {
            return false;
        }
        yieldingBehindWoken = true;
        try {
            Thread.yield(); // the JDK hands the fiber back to execute() on this thread, which sees the flag
            return !yieldingBehindWoken;
        } finally {
            yieldingBehindWoken = false;
        }
    }

    /**
     * After closing a channel that may be registered with this loop's poller: the selector releases its descriptor
     * only when it next polls, so a caller off the loop wakes the loop (on the loop, it polls next anyway). Does
     * nothing once the loop has stopped, which closed its poller and every channel registered with it.
     */
    public void releaseClosedChannels() {
        if (!inLoop()) {
            try {
                execute(() -> { });
            } catch (RejectedExecutionException stopped) {
                // The loop closed its selector and every channel registered with it.
            }
        }
    }

    /**
     * Runs {@code callback} on this loop once its poller has polled after this call: a channel registered here and
     * closed (or whose key was cancelled) before the call has then been deregistered, and its descriptor released.
     * The next iteration polls even if the loop is busy (busy iterations otherwise skip polls for up to
     * {@link #BUSY_POLL_INTERVAL_NANOS}, so a zero-delay timer is no proof of a poll). A loop that stops meanwhile
     * runs the callback after closing its poller, which releases every channel it held. Safe from any thread; throws
     * {@link RejectedExecutionException} once the loop has terminated.
     */
    public void afterNextPoll(Runnable callback) {
        Objects.requireNonNull(callback);
        execute(() -> afterPoll.add(callback));
    }

    /** Wakes the loop from its poll if it sleeps there; returns whether this call woke it. Safe from any thread. */
    boolean wakeIfSleeping() {
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            stats.wakeups.increment();
            poller.wakeup();
            return true;
        }
        return false;
    }

    /** Queues a callback to run in a coming iteration. Safe from any thread. */
    public Handle callSoon(Runnable callback) {
        ReadyHandle handle = new ReadyHandle(Objects.requireNonNull(callback));
        execute(handle);
        return handle;
    }

    /** Runs a callback once the delay has passed. Safe from any thread. */
    public Handle callLater(Duration delay, Runnable callback) {
        return callAt(System.nanoTime() + delay.toNanos(), callback);
    }

    /**
     * Runs a callback when {@link System#nanoTime()} reaches {@code deadlineNanos}. Timers due at the same
     * instant run in the order they were scheduled. Safe from any thread.
     */
    public Handle callAt(long deadlineNanos, Runnable callback) {
        TimerHandle timer = new TimerHandle(this, deadlineNanos, Objects.requireNonNull(callback));
        if (inLoop()) {
            addTimer(timer);
        } else {
            execute(() -> addTimer(timer));
        }
        return timer;
    }

    private void addTimer(TimerHandle timer) {
        if (!timer.isCancelled()) {
            timer.sequence = timerSequence++;
            timers.add(timer);
        }
    }

    /** Called by a cancelled timer: leave the heap at once on the loop thread, else when it comes due. */
    void forgetTimer(TimerHandle timer) {
        if (inLoop()) {
            timers.remove(timer);
        }
    }

    /** The view of the fibers living on this loop, or null before the fiber runtime installed one. */
    public LoopResidents residents() {
        return residents.get();
    }

    /**
     * Installs the view of the fibers living on this loop, unless one is there already.
     * @return the view in place after the call
     */
    public LoopResidents installResidents(LoopResidents candidate) {
        return residents.compareAndSet(null, candidate) ? candidate : residents.get();
    }

    int liveResidents() {
        LoopResidents installed = residents.get();
        return installed == null ? 0 : installed.liveCount();
    }

    void cancelResidents() {
        LoopResidents installed = residents.get();
        if (installed != null) {
            installed.cancelAll();
        }
    }

    // ---------------------------------------------------------------- the loop

    /** The body of the loop thread. */
    void runLoop() {
        now = System.nanoTime();
        try {
            while (runState == RUNNING) {
                runOnce();
            }
            runWhatIsAlreadyQueued();
        } catch (Throwable fatal) {
            LoopLog.log(LOG, System.Logger.Level.ERROR, thread.getName() + " died", fatal);
        } finally {
            runState = TERMINATED;
            // Callbacks offered while the state changed: either they are seen here, or their submitter sees
            // TERMINATED and takes them back (submitExternally). None is dropped silently.
            try {
                runWhatIsAlreadyQueued();
            } catch (Throwable late) {
                LoopLog.log(LOG, System.Logger.Level.ERROR, thread.getName() + " failed running its last callbacks", late);
            }
            timers.clear();
            try {
                poller.close();
            } catch (IOException e) {
                LoopLog.log(LOG, System.Logger.Level.WARNING, "Could not close the poller of " + thread.getName(), e);
            }
            runAfterPollCallbacksOnceClosed();
            terminated.countDown();
        }
    }

    /** One iteration: the phases, in order. */
    private void runOnce() {
        updateTime();
        runDueTimers();
        runReadyCallbacks();
        publishDepths(); // before the poll, which may sleep: readers see the depths the loop sleeps with
        pollIo(pollTimeoutNanos());
        stats.iterations.increment();
    }

    private void updateTime() {
        now = System.nanoTime();
    }

    private void runDueTimers() {
        // Timers added by these callbacks wait for the next iteration, even when already due.
        long sequenceLimit = timerSequence;
        TimerHandle timer;
        while ((timer = timers.peek()) != null && timer.deadlineNanos - now <= 0 && timer.sequence < sequenceLimit) {
            timers.poll();
            if (timer.tryRun()) {
                stats.timersFired.increment();
                runCallback(timer.callback);
            }
        }
    }

    private void runReadyCallbacks() {
        takeInbound();
        int budget = MAX_CALLBACKS_PER_ITERATION;
        for (int own = Math.min(ready.size(), budget); own > 0 && budget > 0; own--) {
            if (ownCallbacksSinceSharedTask >= OWN_CALLBACKS_PER_SHARED_TASK && takeSharedTask()) {
                budget--;
            }
            Runnable callback = ready.pollFirst();
            if (callback == null) {
                break;
            }
            budget--;
            ownCallbacksSinceSharedTask++;
            runWithWoken(callback);
        }
        // Nothing of its own left: the loop is free for work that any loop of the group may take (a new request's
        // fiber, see EventLoopGroup.execute), and runs each such task's fiber at once, up to its first park.
        while (budget > 0 && ready.isEmpty() && takeSharedTask()) {
            budget--;
            for (Runnable callback; budget > 0 && (callback = ready.pollFirst()) != null; budget--) {
                runWithWoken(callback);
            }
        }
    }

    /**
     * Runs one task of the group's shared queue, if there is one: a fiber's start, which queues the fiber here.
     * A stopping loop takes none: the fiber would be left on a loop that is about to end.
     */
    private boolean takeSharedTask() {
        if (runState != RUNNING) {
            return false;
        }
        Runnable task = group.pollSharedWork();
        if (task == null) {
            return false;
        }
        stats.sharedTasksTaken.increment();
        ownCallbacksSinceSharedTask = 0;
        try {
            runCallback(task);
        } finally {
            group.sharedTaskDone();
        }
        return true;
    }

    /** Runs a callback, then the fibers it woke into the LIFO slot, then takes in what other threads handed in. */
    private void runWithWoken(Runnable callback) {
        runCallback(callback);
        for (Runnable woken; (woken = ready.pollLifoSlot()) != null; ) {
            stats.lifoSlotRuns.increment();
            runCallback(woken);
        }
        // A monitor released by a fiber of another loop wakes one successor, and wakes no other waiter until
        // that one has run: a successor left for the next phase (up to the bound of callbacks away) drained a
        // contended monitor one waiter per phase, and its waiters waited seconds under load (issue 6).
        takeInbound();
    }

    private void takeInbound() {
        int taken = 0;
        for (Runnable task; (task = inbound.poll()) != null; taken++) {
            ready.add(task);
        }
        if (taken > 0) {
            stats.externalDrained.add(taken);
            // Taken in the middle of a phase, the work leaves the live external count: publish it as ready at
            // once, or placement (queuedWork) would not see it until the phase ends, hundreds of callbacks later.
            publishReadyDepth();
        }
    }

    private void runCallback(Runnable callback) {
        if (callback instanceof MountedTask task) {
            MOUNTED_TASK.setOpaque(this, task);
            MOUNTED_THREAD.setOpaque(this, task.mountedThread());
        }
        try {
            callback.run();
        } catch (Throwable failure) {
            stats.callbackFailures.increment();
            LoopLog.log(LOG, System.Logger.Level.ERROR, "Callback failed on " + thread.getName(), failure);
        } finally {
            if (mountedThread != null) {
                MOUNTED_TASK.setOpaque(this, (MountedTask) null);
                MOUNTED_THREAD.setOpaque(this, (Thread) null);
            }
        }
        stats.callbacksRun.increment();
    }

    /**
     * 0 while work is pending (callbacks waiting for a poll included: they must not wait for I/O) or the loop is
     * stopping; else until the next timer; -1 for no limit.
     */
    private long pollTimeoutNanos() {
        if (!ready.isEmpty() || !afterPoll.isEmpty() || !inbound.isEmpty() || group.hasSharedWork() || runState != RUNNING) {
            return 0;
        }
        TimerHandle next = timers.peek();
        if (next == null) {
            return -1;
        }
        return Math.max(0, next.deadlineNanos - System.nanoTime());
    }

    private void pollIo(long timeoutNanos) {
        if (timeoutNanos == 0 && afterPoll.isEmpty() && now - lastPollNanos < BUSY_POLL_INTERVAL_NANOS) {
            return;
        }
        if (timeoutNanos != 0) {
            sleeping.set(true);
            if (!inbound.isEmpty() || group.hasSharedWork()) {
                // Lost race with a producer that saw us awake: do not sleep on its callback, nor let work handed to
                // the group wake this loop instead of one that sleeps.
                sleeping.set(false);
                timeoutNanos = 0;
            } else {
                stats.sleeps.increment();
            }
        }
        POLLING.setOpaque(this, true);
        long pollStart = timeoutNanos != 0 ? System.nanoTime() : now;
        try {
            int events = poller.poll(timeoutNanos);
            if (events > 0) {
                stats.ioEventsDispatched.add(events);
            }
            for (Runnable polled; (polled = afterPoll.poll()) != null; ) {
                ready.add(polled);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(thread.getName() + " could not poll for I/O", e);
        } finally {
            POLLING.setOpaque(this, false);
            sleeping.set(false);
            lastPollNanos = System.nanoTime();
            if (timeoutNanos != 0) {
                stats.idleNanos.add(lastPollNanos - pollStart);
            }
            stats.polls.increment();
        }
    }

    private void publishDepths() {
        publishReadyDepth();
        TIMER_DEPTH.setOpaque(this, timers.size());
    }

    private void publishReadyDepth() {
        READY_DEPTH.setOpaque(this, ready.size());
    }

    int readyDepth() {
        return (int) READY_DEPTH.getOpaque(this);
    }

    int timerDepth() {
        return (int) TIMER_DEPTH.getOpaque(this);
    }

    /**
     * Work waiting for the loop thread: the ready queue as of the last iteration or the last intake of other
     * threads' work, plus what other threads have handed in since and the loop has not taken. The second part
     * is live, so a loop thread that the OS has descheduled, or that a long callback holds, shows its backlog
     * growing at once.
     */
    long queuedWork() {
        return readyDepth() + stats.externalQueueDepth();
    }

    boolean isPolling() {
        return (boolean) POLLING.getOpaque(this);
    }

    /** The poller is closed, and with it every channel it held: what waited for a poll need wait no longer. */
    private void runAfterPollCallbacksOnceClosed() {
        for (Runnable polled; (polled = afterPoll.poll()) != null; ) {
            try {
                polled.run();
            } catch (Throwable late) {
                LoopLog.log(LOG, System.Logger.Level.ERROR, thread.getName() + " failed running a callback after its poller closed", late);
            }
        }
    }

    /**
     * After {@link #stop()}: runs what was queued (fibers finishing their last steps queue more), then exits.
     * Pending timers are dropped.
     */
    private void runWhatIsAlreadyQueued() {
        for (int rounds = 0; rounds < 10_000; rounds++) {
            updateTime();
            takeInbound();
            if (!afterPoll.isEmpty()) {
                // A stopping loop polls no more, but what waits for a poll (a fiber closing a server) must not wait
                // for the poller's close: the fiber it wakes then would find this drain over for good.
                pollIo(0);
            }
            if (ready.isEmpty()) {
                return;
            }
            runReadyCallbacks();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Asks the loop to exit: it runs the callbacks already queued, drops pending timers, closes its poller
     * and ends its thread. Fibers still parked on it stay parked forever: stop loops through
     * {@link EventLoopGroup#close()}, which first lets fibers finish and then cancels them.
     */
    public void stop() {
        if (runState == RUNNING) {
            runState = STOPPING;
            poller.wakeup();
        }
    }

    public boolean isStopping() {
        return runState != RUNNING;
    }

    public boolean isTerminated() {
        return runState == TERMINATED && terminated.getCount() == 0 && !thread.isAlive();
    }

    /**
     * Waits for the loop thread to end after {@link #stop()}.
     * @return whether it ended within the timeout
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // The latch opens in the thread's last statement, a moment before the thread itself ends.
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS)
                && thread.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
