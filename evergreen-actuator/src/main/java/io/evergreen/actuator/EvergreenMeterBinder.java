package io.evergreen.actuator;

import io.evergreen.fiber.FiberCensus;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;
import io.evergreen.loop.LoopStats;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.BlockedLoopListener;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * Evergreen's Micrometer meters. Per loop (tag {@code loop} = 0..N-1):
 * <ul>
 *   <li>{@code evergreen.loop.latency} (Timer, percentile histogram): how late the loop ran its probe timer;</li>
 *   <li>{@code evergreen.fiber.schedule.delay} (Timer, percentile histogram): sampled wake-up to running;</li>
 *   <li>{@code evergreen.fibers.live} (Gauge, tag {@code state} = running|runnable|parked);</li>
 *   <li>{@code evergreen.fibers.started}, {@code evergreen.fibers.completed} (FunctionCounters, the latter
 *       tagged {@code outcome} = success|failed|cancelled);</li>
 *   <li>{@code evergreen.loop.queue.depth} (Gauge, tag {@code queue} = ready|external|timers);</li>
 *   <li>{@code evergreen.loop.busy} (Gauge, 0..1 over the last second);</li>
 *   <li>{@code evergreen.loop.blocked} (FunctionCounter) and {@code evergreen.loop.blocked.duration} (Timer);</li>
 *   <li>{@code evergreen.locals.entries} (Gauge) and {@code evergreen.locals.lookups} (FunctionCounter, tag
 *       {@code result} = hit|miss|initial).</li>
 * </ul>
 * For the group: {@code evergreen.shared.queue.depth} (Gauge): tasks for any loop, such as new requests' fibers,
 * that no loop has taken yet. For the application: {@code evergreen.scoped.beans} (Gauge) and
 * {@code evergreen.scoped.beans.created} / {@code .destroyed} (FunctionCounters).
 * <p>
 * Gauges and counters read the loops' own counters when scraped; the timers are fed by listeners on the
 * probe's and the fibers' samples and on the watchdog, removed again by {@link #close()}. The loops' samples reach
 * their timers through a {@link TimerFeed}, drained every {@link #DRAIN_INTERVAL} by a thread of the binder's own
 * ({@value #DRAIN_THREAD_NAME}): a loop thread never records into a timer, whose monitors a scrape may hold.
 */
public class EvergreenMeterBinder implements MeterBinder, AutoCloseable {

    /** How often the loops' queued samples are recorded into their timers. */
    static final Duration DRAIN_INTERVAL = Duration.ofMillis(100);
    static final String DRAIN_THREAD_NAME = "evergreen-meters";

    private static final System.Logger LOG = System.getLogger(EvergreenMeterBinder.class.getName());

    private static final String FIBERS = "fibers";
    private static final String CALLBACKS = "callbacks";

    private final EventLoopGroup group;
    private final LoopWatchdog watchdog;
    private final LoopLatencyProbe probe;
    private final ScopedBeanCounts scopedBeans;
    private final FiberCensusCache census;
    private final List<Runnable> unsubscriptions = new ArrayList<>();
    private final List<TimerFeed> feeds = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService drainer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name(DRAIN_THREAD_NAME).factory());

    public EvergreenMeterBinder(EventLoopGroup group, LoopWatchdog watchdog, LoopLatencyProbe probe,
            ScopedBeanCounts scopedBeans) {
        this.group = group;
        this.watchdog = watchdog;
        this.probe = probe;
        this.scopedBeans = scopedBeans;
        this.census = new FiberCensusCache(group);
        long interval = DRAIN_INTERVAL.toNanos();
        drainer.scheduleWithFixedDelay(this::drainFeeds, interval, interval, TimeUnit.NANOSECONDS);
    }

    private void drainFeeds() {
        for (TimerFeed feed : feeds) {
            try {
                feed.drain();
            } catch (RuntimeException | Error e) {
                // A failing registry must not stop the drain for good (a scheduled task that throws never runs again).
                LOG.log(System.Logger.Level.WARNING, "Could not record Evergreen's latency samples", e);
            }
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        List<Timer> blockedDurations = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            Tags tags = Tags.of("loop", Integer.toString(loop.index()));
            bindLoop(registry, loop, tags);
            blockedDurations.add(Timer.builder("evergreen.loop.blocked.duration")
                .description("How long loops were held by one callback or fiber past the blocked threshold")
                .tags(tags)
                .register(registry));
        }
        BlockedLoopListener durations = new BlockedLoopListener() {
            @Override
            public void loopUnblocked(BlockedLoopEvent event) {
                blockedDurations.get(event.loopIndex()).record(event.duration());
            }
        };
        watchdog.addListener(durations);
        synchronized (unsubscriptions) {
            unsubscriptions.add(() -> watchdog.removeListener(durations));
        }
        Gauge.builder("evergreen.shared.queue.depth", group, EventLoopGroup::sharedQueueDepth)
            .description("Tasks for any loop, such as new requests' fibers, that no loop has taken yet")
            .baseUnit("tasks")
            .register(registry);
        bindScopedBeans(registry);
    }

    private void bindLoop(MeterRegistry registry, EventLoop loop, Tags tags) {
        LoopStats stats = loop.stats();
        int index = loop.index();

        subscribe(stats.latency(), Timer.builder("evergreen.loop.latency")
            .description("How late the loop ran a periodic probe timer: its lag behind the work it is given")
            .tags(tags)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry));
        subscribe(stats.scheduleDelay(), Timer.builder("evergreen.fiber.schedule.delay")
            .description("Time from a fiber being woken to it running on its loop, sampled")
            .tags(tags)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry));

        liveFibers(registry, tags, index, "running", FiberCensus::running);
        liveFibers(registry, tags, index, "runnable", FiberCensus::runnable);
        liveFibers(registry, tags, index, "parked", FiberCensus::parked);

        FunctionCounter.builder("evergreen.fibers.started", stats, LoopStats::fibersStarted)
            .description("Fibers started on the loop")
            .baseUnit(FIBERS)
            .tags(tags)
            .register(registry);
        countersByTag(registry, "evergreen.fibers.completed", "Fibers of the loop that ended, by outcome", FIBERS,
                stats, tags, "outcome", Map.of("success", LoopStats::fibersSucceeded, "failed", LoopStats::fibersFailed,
                        "cancelled", LoopStats::fibersCancelled));
        gaugesByTag(registry, "evergreen.loop.queue.depth",
                "Callbacks waiting on the loop: ready to run, submitted from other threads, or timers", CALLBACKS, stats,
                tags, "queue", Map.of("ready", LoopStats::readyQueueDepth, "external", LoopStats::externalQueueDepth,
                        "timers", LoopStats::timerQueueDepth));

        Gauge.builder("evergreen.loop.busy", probe, p -> p.busyRatio(index))
            .description("Share of the last second the loop spent running work rather than waiting for it, 0 to 1")
            .tags(tags)
            .register(registry);

        FunctionCounter.builder("evergreen.loop.blocked", watchdog, w -> w.blockedCount(index))
            .description("Times one callback or fiber held the loop past the blocked threshold")
            .baseUnit("events")
            .tags(tags)
            .register(registry);

        Gauge.builder("evergreen.locals.entries", stats, LoopStats::localsLiveEntries)
            .description("Fiber-local values held by the loop's live fibers")
            .baseUnit("entries")
            .tags(tags)
            .register(registry);
        countersByTag(registry, "evergreen.locals.lookups",
                "Fiber-local lookups: found a value, found none, or ran the initial-value supplier", "lookups", stats,
                tags, "result", Map.of("hit", LoopStats::localsLookupHits, "miss", LoopStats::localsLookupMisses,
                        "initial", LoopStats::localsLookupInitials));
    }

    private void subscribe(LatencyRecorder recorder, Timer timer) {
        TimerFeed feed = new TimerFeed(timer);
        feeds.add(feed);
        recorder.addListener(feed);
        synchronized (unsubscriptions) {
            unsubscriptions.add(() -> recorder.removeListener(feed));
        }
    }

    private void liveFibers(MeterRegistry registry, Tags tags, int index, String state,
            ToIntFunction<FiberCensus> count) {
        Gauge.builder("evergreen.fibers.live", census, c -> count.applyAsInt(c.census(index)))
            .description("Live fibers of the loop by state; the states sum to the loop's live fibers")
            .baseUnit(FIBERS)
            .tags(tags.and("state", state))
            .register(registry);
    }

    /** One function counter per tag value, e.g. {@code outcome} = success, failed, cancelled. */
    private static void countersByTag(MeterRegistry registry, String name, String description, String baseUnit,
            LoopStats stats, Tags tags, String tagKey, Map<String, ToDoubleFunction<LoopStats>> countByTagValue) {
        countByTagValue.forEach((tagValue, count) -> FunctionCounter.builder(name, stats, count)
            .description(description)
            .baseUnit(baseUnit)
            .tags(tags.and(tagKey, tagValue))
            .register(registry));
    }

    /** One gauge per tag value, e.g. {@code queue} = ready, external, timers. */
    private static void gaugesByTag(MeterRegistry registry, String name, String description, String baseUnit,
            LoopStats stats, Tags tags, String tagKey, Map<String, ToDoubleFunction<LoopStats>> valueByTagValue) {
        valueByTagValue.forEach((tagValue, value) -> Gauge.builder(name, stats, value)
            .description(description)
            .baseUnit(baseUnit)
            .tags(tags.and(tagKey, tagValue))
            .register(registry));
    }

    private void bindScopedBeans(MeterRegistry registry) {
        Gauge.builder("evergreen.scoped.beans", scopedBeans, ScopedBeanCounts::live)
            .description("@FiberScoped beans alive in fibers")
            .baseUnit("beans")
            .register(registry);
        FunctionCounter.builder("evergreen.scoped.beans.created", scopedBeans, ScopedBeanCounts::created)
            .description("@FiberScoped beans created")
            .baseUnit("beans")
            .register(registry);
        FunctionCounter.builder("evergreen.scoped.beans.destroyed", scopedBeans, ScopedBeanCounts::destroyed)
            .description("@FiberScoped beans destroyed as their fiber ended")
            .baseUnit("beans")
            .register(registry);
    }

    /** Stops feeding the timers, after recording the samples already queued. */
    @Override
    public void close() {
        synchronized (unsubscriptions) {
            unsubscriptions.forEach(Runnable::run);
            unsubscriptions.clear();
        }
        drainer.shutdown();
        try {
            drainer.awaitTermination(DRAIN_INTERVAL.toMillis() * 10, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainFeeds();
    }
}
