package io.evergreen.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * N event loops, each on its own platform thread {@code evergreen-loop-<i>}, and the fibers that live on
 * them. One loop per CPU is the usual size.
 * <p>
 * {@link #execute(Runnable)} runs a task on the first of its loops that has nothing of its own left to run:
 * work that may start on any loop (a new request's fiber) waits in one queue of the group instead of being
 * placed on a loop when it is handed in, the way a work-stealing pool's idle workers take it. (The group is
 * deliberately not a {@code java.util.concurrent.Executor}: as a Spring bean it would then be taken for the
 * application's executor by lookups by type, such as Spring Boot's own task-execution auto-configuration.)
 * <pre>{@code
 * try (EventLoopGroup group = EventLoopGroup.create(4)) {
 *     Fiber<String> f = Fiber.builder().loop(group.next()).start(() -> "hello");
 *     f.join();
 * }
 * }</pre>
 */
public final class EventLoopGroup implements AutoCloseable {

    /** How long {@link #close()} lets fibers finish before cancelling them. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /** How long cancelled fibers get to unwind before the loops stop anyway. */
    private static final Duration CANCELLATION_GRACE = Duration.ofSeconds(5);

    private static final System.Logger LOG = System.getLogger(EventLoopGroup.class.getName());

    private static final AtomicInteger GROUPS_CREATED = new AtomicInteger();

    private final SchedulerMode mode;
    private final List<EventLoop> loops;
    private final AtomicInteger nextIndex = new AtomicInteger();
    /** Tasks any loop may run, in the order handed in ({@link #execute(Runnable)}). */
    private final ConcurrentLinkedQueue<Runnable> sharedWork = new ConcurrentLinkedQueue<>();
    /** Shared tasks handed in and not yet run to their end: {@link #close()} waits for them as for fibers. */
    private final AtomicInteger sharedWorkPending = new AtomicInteger();
    private volatile boolean closing;

    private EventLoopGroup(Builder builder) {
        if (builder.mode == SchedulerMode.LOOP) {
            JdkVirtualThreadHook.check();
            JdkPollerStarter.startForLoops();
        }
        this.mode = builder.mode;
        int groupNumber = GROUPS_CREATED.getAndIncrement();
        String prefix = builder.threadNamePrefix != null ? builder.threadNamePrefix
                : groupNumber == 0 ? "evergreen-loop-" : "evergreen-" + groupNumber + "-loop-";
        EventLoop[] created = new EventLoop[builder.loops];
        for (int i = 0; i < created.length; i++) {
            created[i] = new EventLoop(this, i, prefix + i, builder.daemon, newPoller(builder.pollerFactory));
        }
        this.loops = List.of(created);
        loops.forEach(EventLoop::start);
    }

    private static IoPoller newPoller(Supplier<IoPoller> factory) {
        if (factory != null) {
            return factory.get();
        }
        try {
            return new NioSelectorPoller();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open a selector for an event loop", e);
        }
    }

    /** A group of {@code loops} loops whose fibers they schedule themselves ({@link SchedulerMode#LOOP}). */
    public static EventLoopGroup create(int loops) {
        return builder().loops(loops).build();
    }

    public static EventLoopGroup create(int loops, SchedulerMode mode) {
        return builder().loops(loops).mode(mode).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public SchedulerMode mode() {
        return mode;
    }

    public int size() {
        return loops.size();
    }

    public EventLoop loop(int index) {
        return loops.get(index);
    }

    public List<EventLoop> loops() {
        return loops;
    }

    /** The next loop in round-robin order. */
    public EventLoop next() {
        return loops.get(nextIndex());
    }

    /** The index of the next loop in round-robin order. */
    private int nextIndex() {
        int size = loops.size();
        return size == 1 ? 0 : Math.floorMod(nextIndex.getAndIncrement(), size);
    }

    /**
     * The less busy of two loops, for work that may start on any loop (a new request's fiber): the next one
     * in round-robin order and one other at random, compared by the work queued for them (power of two
     * choices). On a tie it is the round-robin one, so an idle group still spreads work evenly; under
     * saturation a loop whose thread is held (descheduled by the OS, running a long callback) stops receiving
     * new work while its backlog drains, instead of queueing more behind it.
     */
    public EventLoop leastLoaded() {
        int size = loops.size();
        int first = nextIndex();
        if (size == 1) {
            return loops.get(first);
        }
        int other = (first + 1 + ThreadLocalRandom.current().nextInt(size - 1)) % size;
        EventLoop preferred = loops.get(first);
        EventLoop alternative = loops.get(other);
        return alternative.queuedWork() < preferred.queuedWork() ? alternative : preferred;
    }

    /**
     * Runs the task on whichever loop of the group is first free for it: a loop takes such tasks, in the
     * order they were handed in, whenever its own ready queue runs dry, and one besides every
     * {@value EventLoop#OWN_CALLBACKS_PER_SHARED_TASK} callbacks of its own, so that a loop that never runs dry
     * still takes its share. Handing in wakes one sleeping loop, if any sleeps.
     * <p>
     * Pushing work to a loop chosen at hand-in ({@link #leastLoaded()}) can pick a loop whose thread the OS has
     * just descheduled while another loop idles; pulled work goes to the loop that is running. Measured on
     * Tomcat, where every request's fiber is handed in by the poller thread: the poller woke 40-50% more often
     * per request with pushed placement than under virtual threads, and as often with pulled placement
     * (issue 6, benchmarks/RESULTS.md §16).
     * @throws RejectedExecutionException once the group is closing, or when none of its loops runs any more
     */
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closing) {
            throw new RejectedExecutionException(this + " is closing");
        }
        sharedWorkPending.incrementAndGet();
        sharedWork.offer(task);
        if (closing && takeBack(task)) {
            // close() began between our check and our offer, and may have seen no pending work.
            throw new RejectedExecutionException(this + " is closing");
        }
        boolean anyRunning = false;
        for (EventLoop loop : loops) {
            if (!loop.isStopping()) {
                anyRunning = true;
                if (loop.wakeIfSleeping()) {
                    return;
                }
            }
        }
        if (!anyRunning && takeBack(task)) {
            throw new RejectedExecutionException(this + " has no running loop left");
        }
    }

    private boolean takeBack(Runnable task) {
        if (sharedWork.remove(task)) {
            sharedWorkPending.decrementAndGet();
            return true;
        }
        return false;
    }

    /** Takes every task no loop has taken yet out of the queue, so that none runs; returns how many. */
    private int dropSharedWork() {
        int dropped = 0;
        for (Runnable task; (task = sharedWork.poll()) != null; dropped++) {
            sharedWorkPending.decrementAndGet();
        }
        return dropped;
    }

    /** The oldest shared task, or null; the taking loop runs it and then calls {@link #sharedTaskDone()}. */
    Runnable pollSharedWork() {
        return sharedWork.poll();
    }

    void sharedTaskDone() {
        sharedWorkPending.decrementAndGet();
    }

    boolean hasSharedWork() {
        return !sharedWork.isEmpty();
    }

    /** Tasks handed to {@link #execute(Runnable)} that no loop has taken yet. */
    public int sharedQueueDepth() {
        return sharedWork.size();
    }

    /** The loop of the calling fiber or loop thread if it belongs to this group, else null. */
    public EventLoop current() {
        EventLoop loop = EventLoop.current();
        return loop != null && loop.group() == this ? loop : null;
    }

    /** Whether {@link #close()} has begun: fibers may no longer be started from outside the group. */
    public boolean isClosing() {
        return closing;
    }

    /** Fibers started and not yet ended, over all loops. */
    public int liveFibers() {
        int live = 0;
        for (EventLoop loop : loops) {
            live += loop.liveResidents();
        }
        return live;
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_SHUTDOWN_TIMEOUT}. */
    @Override
    public void close() {
        close(DEFAULT_SHUTDOWN_TIMEOUT);
    }

    /**
     * Graceful shutdown: stops accepting fibers started from outside the group and tasks for any loop, lets
     * the tasks already handed in run and live fibers finish (they may still spawn children) for up to
     * {@code timeout}, then drops the tasks no loop has taken, cancels the fibers still alive, gives them a
     * moment to unwind, then stops every loop and waits for its thread to end.
     * Calling it from a fiber or loop thread of this group is an error: it would wait for itself.
     */
    public void close(Duration timeout) {
        if (current() != null) {
            throw new IllegalStateException("An event loop group cannot be closed from one of its own loops or fibers");
        }
        closing = true;
        boolean interrupted = false;
        int neverRun = 0;
        try {
            if (!awaitNoLiveFibers(System.nanoTime() + timeout.toNanos())) {
                // First, so that no task starts a fiber after the cancellation has passed its loop.
                neverRun = dropSharedWork();
                loops.forEach(EventLoop::cancelResidents);
                awaitNoLiveFibers(System.nanoTime() + CANCELLATION_GRACE.toNanos());
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        loops.forEach(EventLoop::stop);
        for (EventLoop loop : loops) {
            try {
                loop.awaitTermination(CANCELLATION_GRACE);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        neverRun += dropSharedWork();
        if (neverRun > 0) {
            // The loops stayed busy past the timeout, or stopped or died before taking them: say so.
            LOG.log(System.Logger.Level.WARNING, this + " closed with " + neverRun
                    + " tasks for any loop that no loop took; they did not run");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitNoLiveFibers(long deadlineNanos) throws InterruptedException {
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        // Pending tasks first: a task registers its fiber before it counts as done, so a fiber started between the
        // two reads is seen by the second.
        while (sharedWorkWaitsForALoop() || liveFibers() > 0) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                return false;
            }
            // Shutdown is rare and may wait for seconds: polling with a growing pause keeps the loops free
            // of any shutdown bookkeeping on their hot paths.
            TimeUnit.NANOSECONDS.sleep(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(10));
        }
        return true;
    }

    /** Whether tasks handed to {@link #execute(Runnable)} have yet to run and a loop that may take them runs. */
    private boolean sharedWorkWaitsForALoop() {
        return sharedWorkPending.get() > 0 && loops.stream().anyMatch(loop -> !loop.isStopping());
    }

    /** Whether every loop thread has ended. */
    public boolean isTerminated() {
        return loops.stream().allMatch(EventLoop::isTerminated);
    }

    @Override
    public String toString() {
        return "EventLoopGroup[" + mode + ", " + loops.size() + " loops]";
    }

    public static final class Builder {

        private int loops = Runtime.getRuntime().availableProcessors();
        private SchedulerMode mode = SchedulerMode.LOOP;
        private boolean daemon;
        private String threadNamePrefix;
        private Supplier<IoPoller> pollerFactory;

        private Builder() {
        }

        /** Number of loops, at least 1 (default: one per CPU). */
        public Builder loops(int loops) {
            if (loops < 1) {
                throw new IllegalArgumentException("An event loop group needs at least 1 loop, got " + loops);
            }
            this.loops = loops;
            return this;
        }

        public Builder mode(SchedulerMode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        /** Whether loop threads are daemon threads (default false: a live group keeps the JVM alive). */
        public Builder daemon(boolean daemon) {
            this.daemon = daemon;
            return this;
        }

        /** Loop threads are named this prefix plus the loop index (default {@code evergreen-loop-}). */
        public Builder threadNamePrefix(String prefix) {
            this.threadNamePrefix = Objects.requireNonNull(prefix);
            return this;
        }

        /** The I/O backend of each loop (default: a {@link NioSelectorPoller} per loop). */
        public Builder pollerFactory(Supplier<IoPoller> factory) {
            this.pollerFactory = Objects.requireNonNull(factory);
            return this;
        }

        public EventLoopGroup build() {
            return new EventLoopGroup(this);
        }
    }
}
