package io.evergreen.monitor;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopBound;
import io.evergreen.loop.LoopStats;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds loops held by one callback or fiber for longer than a threshold (gevent's {@code max_blocking_time},
 * Vert.x's blocked-thread checker) and names the culprit with its stack.
 * <p>
 * It costs the loops nothing: a platform thread looks at each loop every {@code threshold / 5} (at most
 * every 20 ms) and reads counters the loop keeps anyway. A loop that has neither finished a callback nor
 * polled since the last look, and is not waiting in its poll, is held by what it runs now. Past the threshold
 * that is an incident: logged once as a WARN with the fiber's stack, counted, kept in a ring buffer of the
 * {@value #RECENT_EVENTS} most recent, and told to the listeners; when the loop moves again the incident
 * ends with its duration. Durations are exact to one look. A look that comes late (the watchdog itself was
 * held: a GC pause, a starved machine, a slow listener) judges nothing and restarts that loop's clock, so that
 * a pause of the whole JVM is not blamed on the fiber that happened to be running.
 */
public final class LoopWatchdog implements AutoCloseable {

    /** Incidents kept for {@link #recentEvents()}. */
    public static final int RECENT_EVENTS = 64;

    private static final System.Logger LOG = System.getLogger(LoopWatchdog.class.getName());

    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Duration threshold;
    private final long thresholdNanos;
    private final List<LoopWatch> watches;
    private final List<BlockedLoopListener> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<BlockedLoopEvent> recent = new ArrayDeque<>(RECENT_EVENTS);
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledExecutorService ticker;
    private final long lateLookNanos;

    private LoopWatchdog(EventLoopGroup group, Duration threshold) {
        this.threshold = threshold;
        this.thresholdNanos = threshold.toNanos();
        this.lateLookNanos = Math.max(thresholdNanos / 2, 2 * MAX_TICK_NANOS);
        this.watches = group.loops().stream().map(LoopWatch::new).toList();
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("evergreen-watchdog").factory());
    }

    /**
     * Starts watching the loops of a group.
     * @param threshold how long one callback or fiber may hold a loop before it is reported; positive
     */
    public static LoopWatchdog start(EventLoopGroup group, Duration threshold) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("The blocked-loop threshold must be positive: " + threshold);
        }
        LoopWatchdog watchdog = new LoopWatchdog(group, threshold);
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(watchdog.thresholdNanos / 5, MAX_TICK_NANOS));
        watchdog.ticker.scheduleAtFixedRate(watchdog::lookAtLoops, tick, tick, TimeUnit.NANOSECONDS);
        return watchdog;
    }

    public Duration threshold() {
        return threshold;
    }

    public void addListener(BlockedLoopListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(BlockedLoopListener listener) {
        listeners.remove(listener);
    }

    /** Whether the loop is held past the threshold right now. */
    public boolean isBlocked(int loopIndex) {
        return watches.get(loopIndex).incident != null;
    }

    /** The ongoing incident of the loop, or null. */
    public BlockedLoopEvent currentIncident(int loopIndex) {
        return watches.get(loopIndex).incident;
    }

    /** The loop's latest incident, ongoing or over, or null when it never had one. */
    public BlockedLoopEvent lastEvent(int loopIndex) {
        return watches.get(loopIndex).last;
    }

    /** Incidents of the loop since the watchdog started. */
    public long blockedCount(int loopIndex) {
        return watches.get(loopIndex).incidents;
    }

    /** Incidents of all loops since the watchdog started. */
    public long blockedCount() {
        long total = 0;
        for (LoopWatch watch : watches) {
            total += watch.incidents;
        }
        return total;
    }

    /** The most recent incidents of all loops, newest first. */
    public List<BlockedLoopEvent> recentEvents() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    private void lookAtLoops() {
        for (LoopWatch watch : watches) {
            try {
                // Each loop its own clock reading: a slow look at one loop (a listener, a stack walk) must not
                // age the others.
                watch.look(System.nanoTime());
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.ERROR, "The watchdog could not look at " + watch.loop, e);
            }
        }
    }

    private void opened(BlockedLoopEvent event) {
        synchronized (recent) {
            if (recent.size() == RECENT_EVENTS) {
                recent.removeLast();
            }
            recent.addFirst(event);
        }
        String advice = event.lockWaitedFor() == null ? ""
                : ". A loop thread must never wait (for a lock, a future, a latch): should a fiber of this loop be what"
                        + " it waits for, the loop never moves again. Wait in a fiber, not in a loop callback";
        LOG.log(System.Logger.Level.WARNING, event + advice, new BlockedLoopStack(event));
        listeners.forEach(listener -> listener.loopBlocked(event));
    }

    private void closed(BlockedLoopEvent event) {
        LOG.log(System.Logger.Level.INFO, () -> event.loopName() + " moves again after " + event.duration().toMillis()
                + " ms blocked by " + event.culprit());
        listeners.forEach(listener -> listener.loopUnblocked(event));
    }

    /** What the watchdog knows of one loop; written by the watchdog thread only. */
    private final class LoopWatch {

        private final EventLoop loop;
        private long lastProgressSignature = -1;
        private long lastProgressNanos;
        private long lastLookNanos;
        private volatile BlockedLoopEvent incident;
        private volatile BlockedLoopEvent last;
        private volatile long incidents;

        LoopWatch(EventLoop loop) {
            this.loop = loop;
        }

        void look(long now) {
            LoopStats stats = loop.stats();
            // When the watchdog itself was held (a GC pause, a starved machine, a slow listener), the loop could
            // not be seen moving for the same reason: that look restarts the loop's clock instead of judging it.
            boolean lateLook = lastLookNanos != 0 && now - lastLookNanos > lateLookNanos;
            lastLookNanos = now;
            // Both move whenever the loop finishes a callback or returns from a poll, and neither otherwise.
            long signature = stats.callbacksRun() + stats.polls();
            boolean pollingAndIdle = stats.isPolling() && !loop.poller().runsHandlersWhilePolling();
            if (signature != lastProgressSignature || pollingAndIdle || loop.isTerminated()) {
                lastProgressSignature = signature;
                lastProgressNanos = now;
                BlockedLoopEvent over = incident;
                if (over != null) {
                    over.end(now);
                    incident = null;
                    closed(over);
                }
            } else if (lateLook && incident == null) {
                lastProgressNanos = now;
            } else if (incident == null && now - lastProgressNanos >= thresholdNanos) {
                if (stats.isPolling() && loop.poller().isWaitingForIo(loop.thread().getStackTrace())) {
                    // Inside a poll that may run handlers (Netty's), but waiting for I/O: idle, not blocked.
                    // One stack per threshold per idle loop is the price of seeing a handler that blocks.
                    lastProgressNanos = now;
                    return;
                }
                BlockedLoopEvent event = describe(now);
                incident = event;
                last = event;
                opened(event);
                incidents++; // after the event is in recentEvents(): a count never runs ahead of what is shown
            }
        }

        private BlockedLoopEvent describe(long now) {
            LoopBound culprit = loop.mountedBinding();
            Instant startedAt = Instant.now().minusNanos(now - lastProgressNanos);
            if (culprit instanceof Fiber<?> fiber) {
                StackTraceElement[] stack = fiber.stackTrace(); // first: the stack of the moment of detection
                return new BlockedLoopEvent(sequence.incrementAndGet(), loop.index(), loop.thread().getName(),
                        startedAt, lastProgressNanos, threshold, fiber.id(), fiber.name(), stack, null);
            }
            StackTraceElement[] stack = loop.thread().getStackTrace();
            return new BlockedLoopEvent(sequence.incrementAndGet(), loop.index(), loop.thread().getName(),
                    startedAt, lastProgressNanos, threshold, -1, null, stack, lockWaitedFor(loop.thread()));
        }

        /**
         * The lock, monitor or other object (a future, a latch) the loop thread waits for, or null when it runs. A
         * fiber that waits unmounts, so only a callback, or a fiber pinned to the thread, can make the loop thread
         * itself wait; the JVM names what it waits for only through its thread bean, read here once per incident.
         */
        private static String lockWaitedFor(Thread thread) {
            Thread.State state = thread.getState();
            if (state != Thread.State.BLOCKED && state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                return null;
            }
            ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.threadId(), 0);
            return info == null ? null : info.getLockName();
        }
    }

    /** Carries the culprit's stack into the log, where it prints like an exception's. */
    private static final class BlockedLoopStack extends Throwable {

        BlockedLoopStack(BlockedLoopEvent event) {
            super("Stack of " + event.culprit() + " on " + event.loopName(), null, false, true);
            setStackTrace(event.stack().toArray(StackTraceElement[]::new));
        }
    }
}
