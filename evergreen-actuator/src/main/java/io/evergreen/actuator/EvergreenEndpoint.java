package io.evergreen.actuator;

import io.evergreen.fiber.FiberCensus;
import io.evergreen.fiber.FiberLocal;
import io.evergreen.fiber.FiberRegistry;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;
import io.evergreen.loop.LoopStats;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;

import java.util.List;
import java.util.Locale;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/evergreen}: the scheduler, each loop (fibers by state, queues, latency, busy ratio, blocked
 * incidents), fiber totals, local storage, and the recent blocked-loop incidents with their stacks.
 * <p>
 * Everything comes from counters the loops keep anyway and from one pass over each loop's fiber registry;
 * nothing stops a loop.
 */
@Endpoint(id = "evergreen")
public class EvergreenEndpoint {

    private final EventLoopGroup group;
    private final LoopWatchdog watchdog;
    private final LoopLatencyProbe probe;
    private final ScopedBeanCounts scopedBeans;

    public EvergreenEndpoint(EventLoopGroup group, LoopWatchdog watchdog, LoopLatencyProbe probe,
            ScopedBeanCounts scopedBeans) {
        this.group = group;
        this.watchdog = watchdog;
        this.probe = probe;
        this.scopedBeans = scopedBeans;
    }

    @ReadOperation
    public EvergreenDescriptor evergreen() {
        // One census per loop: the loop's row and the totals read the same counts.
        List<FiberCensus> censuses = group.loops().stream().map(loop -> FiberRegistry.of(loop).census()).toList();
        List<LoopDescriptor> loops = group.loops().stream().map(loop -> describe(loop, censuses.get(loop.index()))).toList();
        FiberCensus live = censuses.stream().reduce(FiberCensus.EMPTY, FiberCensus::plus);
        long started = 0, succeeded = 0, failed = 0, cancelled = 0;
        long entries = 0, hits = 0, misses = 0, initials = 0, sets = 0, inherited = 0;
        for (EventLoop loop : group.loops()) {
            LoopStats stats = loop.stats();
            started += stats.fibersStarted();
            succeeded += stats.fibersSucceeded();
            failed += stats.fibersFailed();
            cancelled += stats.fibersCancelled();
            entries += stats.localsLiveEntries();
            hits += stats.localsLookupHits();
            misses += stats.localsLookupMisses();
            initials += stats.localsLookupInitials();
            sets += stats.localsSets();
            inherited += stats.localsInheritedCopies();
        }
        FiberTotals fibers = new FiberTotals(live.total(), live.running(), live.runnable(), live.parked(), started,
                succeeded + failed + cancelled, succeeded, failed, cancelled);
        LocalStorage localStorage = new LocalStorage(FiberLocal.keysCreated(), entries,
                new Lookups(hits, misses, initials), sets, inherited,
                new ScopedBeans(scopedBeans.live(), scopedBeans.created(), scopedBeans.destroyed()));
        return new EvergreenDescriptor(group.mode().name().toLowerCase(Locale.ROOT), group.size(),
                Millis.of(watchdog.threshold()), group.sharedQueueDepth(), loops, fibers, localStorage,
                watchdog.recentEvents().stream().map(BlockedEventDescriptor::of).toList());
    }

    private LoopDescriptor describe(EventLoop loop, FiberCensus census) {
        LoopStats stats = loop.stats();
        int index = loop.index();
        return new LoopDescriptor(index, loop.thread().getName(), loopState(loop),
                new Fibers(census.total(), census.running(), census.runnable(), census.parked()),
                new Queues(stats.readyQueueDepth(), stats.externalQueueDepth(), stats.timerQueueDepth()),
                Latency.of(stats.latency().snapshot()), Latency.of(stats.scheduleDelay().snapshot()),
                probe.busyRatio(index), new Blocked(watchdog.blockedCount(index), watchdog.isBlocked(index),
                        BlockedEventDescriptor.of(watchdog.lastEvent(index))),
                new Activity(stats.iterations(), stats.callbacksRun(), stats.timersFired(), stats.ioEventsDispatched(),
                        stats.externalSubmissions(), stats.sharedTasksTaken(), stats.wakeups(), stats.polls(),
                        stats.sleeps()));
    }

    static String loopState(EventLoop loop) {
        return loop.isTerminated() ? "terminated" : loop.isStopping() ? "stopping" : "running";
    }

    /**
     * @param scheduler {@code loop} or {@code jdk}
     * @param loopCount the number of loops
     * @param blockedThresholdMillis the watchdog's threshold
     * @param sharedQueueDepth tasks for any loop (new requests' fibers) that no loop has taken yet
     * @param loops each loop
     * @param fibers totals over all loops
     * @param localStorage fiber-locals and {@code @FiberScoped} beans
     * @param blockedEvents the most recent blocked-loop incidents of all loops, newest first
     */
    public record EvergreenDescriptor(String scheduler, int loopCount, double blockedThresholdMillis,
            int sharedQueueDepth, List<LoopDescriptor> loops, FiberTotals fibers, LocalStorage localStorage,
            List<BlockedEventDescriptor> blockedEvents) {
    }

    /**
     * One loop.
     *
     * @param busyRatio share of the last second spent running work rather than waiting for it, 0 to 1
     * @param latency how late the loop ran its probe timer, over the recent probes
     * @param scheduleDelay sampled delays from a fiber's wake-up to it running
     */
    public record LoopDescriptor(int index, String thread, String state,
            Fibers fibers, Queues queues,
            Latency latency, Latency scheduleDelay, double busyRatio, Blocked blocked, Activity activity) {
    }

    /**
     * What the loop has done since it started (monotonic counts): divide their increase by the requests served
     * in the same interval to see, say, how many cross-thread wake-ups a request costs.
     *
     * @param externalSubmissions callbacks handed to the loop by other threads
     * @param sharedTasksTaken tasks the loop took from the group's shared queue (new requests' fibers)
     * @param wakeups hand-offs of either kind that had to wake the loop from its poll (a system call each)
     * @param sleeps polls that waited, because the loop had nothing to run
     */
    public record Activity(long iterations, long callbacks, long timersFired, long ioEvents,
            long externalSubmissions, long sharedTasksTaken, long wakeups, long polls, long sleeps) {
    }

    public record Fibers(int live, int running, int runnable, int parked) {
    }

    /** Callbacks waiting: ready to run, submitted from other threads, timers pending. */
    public record Queues(int ready, long external, int timers) {
    }

    /**
     * @param samples samples since the loop started
     * @param p50Millis median over the recent samples (the last 256)
     * @param p99Millis 99th percentile over the recent samples
     * @param maxMillis largest sample since the loop started
     */
    public record Latency(long samples, double p50Millis, double p99Millis, double maxMillis) {

        static Latency of(LatencyRecorder.Snapshot snapshot) {
            return new Latency(snapshot.count(), Millis.ofNanos(snapshot.p50Nanos()), Millis.ofNanos(snapshot.p99Nanos()),
                    Millis.ofNanos(snapshot.maxNanos()));
        }
    }

    /**
     * @param count incidents since start-up
     * @param now whether the loop is held past the threshold right now
     * @param last the latest incident, or null
     */
    public record Blocked(long count, boolean now, BlockedEventDescriptor last) {
    }

    public record FiberTotals(int live, int running, int runnable, int parked, long started, long completed,
            long succeeded, long failed, long cancelled) {
    }

    /**
     * @param fiberLocalKeys fiber-locals created in the JVM
     * @param liveEntries values held by live fibers
     * @param sets values set
     * @param inheritedCopies values copied from parents to children by inheritable fiber-locals
     * @param scopedBeans {@code @FiberScoped} beans
     */
    public record LocalStorage(int fiberLocalKeys, long liveEntries, Lookups lookups, long sets, long inheritedCopies,
            ScopedBeans scopedBeans) {
    }

    /** Lookups that found a value, found none, or ran the initial-value supplier. */
    public record Lookups(long hit, long miss, long initial) {
    }

    public record ScopedBeans(long live, long created, long destroyed) {
    }
}
