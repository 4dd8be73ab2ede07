package io.evergreen.benchmarks;

import io.evergreen.actuator.EvergreenMeterBinder;
import io.evergreen.actuator.ScopedBeanCounts;
import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberLocal;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LatencyRecorder;
import io.evergreen.loop.LoopStats;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the actuator's monitoring costs the requests an evergreen loop handles: the same simulated request
 * with all of it switched off, and with all of it switched on. Scores are nanoseconds per request.
 * {@link #request} starts each request on the loop from the benchmark thread (a platform thread, as a
 * server's acceptor would hand work to a loop) and joins it there; {@link #requestsSpawnedOnLoop} runs the
 * same requests from a fiber on the loop, without the cross-thread wake-ups that dominate (and make noisy)
 * the first. The monitoring's cost per request is the difference of the {@code on} and {@code off} scores.
 * <p>
 * {@code monitoring=on} is what an application with {@code evergreen-actuator} and a Prometheus endpoint runs:
 * <ul>
 *   <li>a {@link LoopWatchdog} with a 100 ms threshold: a platform thread that reads the loop's counters every
 *       20 ms;</li>
 *   <li>a {@link LoopLatencyProbe} every 100 ms: a timer callback on the loop itself;</li>
 *   <li>an {@link EvergreenMeterBinder} bound to a {@link PrometheusMeterRegistry}: its listeners feed every
 *       probe sample and every sampled fiber wake-up (one in 64) into percentile-histogram Timers, on the loop
 *       thread;</li>
 *   <li>a scrape of the registry ({@code registry.scrape()}) every second from a platform thread, as a
 *       Prometheus server would do (a 1 s scrape interval is on the aggressive side of real set-ups, 10 to
 *       60 s being usual, so this overstates the scrape's share). The scrape reads every gauge, including the
 *       census of the loop's fibers, which walks the loop's fiber registry.</li>
 * </ul>
 * {@code monitoring=off} is the same group with none of that. What both variants pay anyway is not measured
 * here: the loop's own counters ({@link LoopStats}) and the one-in-64 schedule-delay sample into its
 * {@link LatencyRecorder} are always on, in the core.
 * <p>
 * The request does to the runtime what a request handler does: it sets and reads two {@link FiberLocal}s,
 * parks and is woken twice ({@link Fiber#yieldNow()} unmounts the fiber and queues it on its loop again;
 * {@code Fiber.sleep(Duration.ZERO)} would not park), spawns one child fiber and joins it (a fan-out of one),
 * and returns a value: five loop callbacks and two fibers per request.
 * <p>
 * On a 2-core machine the watchdog and scraper threads compete with the loop and the benchmark thread for the
 * CPU, which the wall-clock score includes (as it would in production on such a machine). Run it with
 * {@code -prof io.evergreen.benchmarks.WorkerCpuProfiler} as well: {@code :worker.cpu.ns/op} is the loop
 * thread's CPU time per request, which leaves out the other threads and other processes, and shows what the
 * monitoring adds on the loop itself. At tear-down each trial prints the loop's counters and, with monitoring
 * on, what the scrapes and the probe saw.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
// Two seconds an iteration: every measured iteration then holds two scrapes, not zero to two.
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = JvmFlags.OPEN_JAVA_LANG)
@State(Scope.Benchmark)
public class MonitoringOverheadBenchmark {

    private static final Duration BLOCKED_THRESHOLD = Duration.ofMillis(100);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(100);
    private static final long SCRAPE_INTERVAL_MILLIS = 1_000;

    private static final FiberLocal<String> REQUEST_ID = FiberLocal.create();
    private static final FiberLocal<String> PRINCIPAL = FiberLocal.create();

    private static final Integer CHILD_ANSWER = 40;
    private static final Callable<Integer> CHILD = () -> CHILD_ANSWER;
    private static final Callable<Integer> REQUEST = MonitoringOverheadBenchmark::handleRequest;
    static final int BATCH = 1_000;
    private static final Callable<Long> BATCH_OF_REQUESTS = MonitoringOverheadBenchmark::batchOfRequests;

    @Param({"off", "on"})
    String monitoring;

    private EventLoopGroup group;
    private EventLoop loop;

    // monitoring=on only
    private LoopWatchdog watchdog;
    private LoopLatencyProbe probe;
    private EvergreenMeterBinder binder;
    private PrometheusMeterRegistry registry;
    private ScheduledExecutorService scraper;
    private final AtomicLong scrapes = new AtomicLong();
    private final AtomicLong scrapeNanos = new AtomicLong();
    private volatile int lastScrapeChars;
    private volatile long lastScrapeNanos;

    @Setup(Level.Trial)
    public void start() {
        // EventLoopGroup.create(1) (one LOOP-mode loop), with daemon threads as in OneLoop: a failed trial
        // cannot keep the forked JVM alive.
        group = EventLoopGroup.builder().loops(1).daemon(true).threadNamePrefix("bench-loop-").build();
        loop = group.loop(0);
        WorkerCpu.watch(loop.thread());
        switch (monitoring) {
            case "off" -> {
            }
            case "on" -> startMonitoring();
            default -> throw new IllegalArgumentException("monitoring must be off or on, not " + monitoring);
        }
    }

    private void startMonitoring() {
        watchdog = LoopWatchdog.start(group, BLOCKED_THRESHOLD);
        probe = LoopLatencyProbe.start(group, PROBE_INTERVAL);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // No "fiber" scope is registered in a bare bean factory: the scoped-bean meters read zeros.
        binder = new EvergreenMeterBinder(group, watchdog, probe,
                new ScopedBeanCounts(new DefaultListableBeanFactory()));
        binder.bindTo(registry);
        scraper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "prometheus-scraper");
            thread.setDaemon(true);
            return thread;
        });
        scraper.scheduleAtFixedRate(this::scrape, SCRAPE_INTERVAL_MILLIS, SCRAPE_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void scrape() {
        long start = System.nanoTime();
        String text = registry.scrape();
        long took = System.nanoTime() - start;
        scrapeNanos.addAndGet(took);
        lastScrapeNanos = took;
        scrapes.incrementAndGet();
        lastScrapeChars = text.length();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        WorkerCpu.stopWatching();
        if (scraper != null) {
            scraper.shutdownNow();
            scraper.awaitTermination(5, TimeUnit.SECONDS);
            binder.close();
            probe.close();
            watchdog.close();
            long n = scrapes.get();
            LatencyRecorder.Snapshot lag = loop.stats().latency().snapshot();
            System.out.printf("%n[monitoring for the trial] scrapes=%d meanScrapeMicros=%.0f lastScrapeMicros=%.0f "
                            + "lastScrapeChars=%d probeSamples=%d probeLagP50Micros=%.0f probeLagP99Micros=%.0f "
                            + "blockedIncidents=%d meters=%d",
                    n, n == 0 ? 0.0 : scrapeNanos.get() / 1e3 / n, lastScrapeNanos / 1e3, lastScrapeChars,
                    lag.count(), lag.p50Nanos() / 1e3, lag.p99Nanos() / 1e3, watchdog.blockedCount(),
                    registry.getMeters().size());
            registry.close();
        }
        LoopStats s = loop.stats();
        System.out.printf("%n[loop stats for the trial] callbacks=%d lifoSlotRuns=%d iterations=%d polls=%d "
                        + "externalSubmissions=%d fibersStarted=%d scheduleDelaySamples=%d%n",
                s.callbacksRun(), s.lifoSlotRuns(), s.iterations(), s.polls(), s.externalSubmissions(),
                s.fibersStarted(), s.scheduleDelay().snapshot().count());
        group.close(Duration.ofSeconds(5));
    }

    /** One request: a fiber on the loop, started and joined from the benchmark thread. */
    @Benchmark
    public int request() {
        int result = Fiber.builder().loop(loop).start(REQUEST).join();
        WorkerCpu.done(1);
        return result;
    }

    /**
     * The same requests without the cross-thread hand-over: a fiber on the loop spawns {@value #BATCH} of them
     * one after another and joins each, as a server's accept or read path on the loop would. Per request this
     * is loop-local work only (no wake-up of another thread), so its score is smaller and steadier, and the
     * monitoring's share of it is larger: the closer bound on what the monitoring costs per request.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long requestsSpawnedOnLoop() {
        long sum = Fiber.builder().loop(loop).start(BATCH_OF_REQUESTS).join();
        WorkerCpu.done(BATCH);
        return sum;
    }

    private static Long batchOfRequests() {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += Fiber.spawn(REQUEST).join();
        }
        return sum;
    }

    private static Integer handleRequest() {
        REQUEST_ID.set("req-1");
        PRINCIPAL.set("alice");
        Fiber.yieldNow(); // parked and woken: as if waiting for the request body
        int child = Fiber.spawn(CHILD).join(); // fan-out of one: spawn, park in join, woken by the child's end
        Fiber.yieldNow(); // parked and woken: as if waiting for the response to be written
        return REQUEST_ID.get().length() + PRINCIPAL.get().length() + child - 10;
    }
}
