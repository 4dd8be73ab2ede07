package io.evergreen.actuator;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.sync.Event;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The actuator module in a running application, over HTTP as an operator sees it: endpoints, health, info and
 * meters tell the truth about fibers, loops, blocked loops and local storage.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,info,evergreen,fibers,prometheus",
        "management.endpoint.health.show-details=always", "management.info.evergreen.enabled=true",
        "evergreen.blocked-threshold=100ms" })
class EvergreenActuatorIntegrationTests {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    EventLoopGroup group;

    @Autowired
    MeterRegistry meters;

    @Autowired
    LoopWatchdog watchdog;

    @Autowired
    EvergreenHealthIndicator healthIndicator;

    HttpCalls http;

    final List<Event> toRelease = new ArrayList<>();

    @BeforeEach
    void setUp() {
        http = new HttpCalls(port);
        ActuatorTestApplication.release = new Event();
        toRelease.add(ActuatorTestApplication.release);
    }

    @AfterEach
    void releaseEverything() {
        toRelease.forEach(Event::set);
    }

    // ---------------------------------------------------------------- /actuator/fibers

    @Test
    void parkedFiberIsDumpedWithItsStackAndDisappearsOnceDone() {
        Event event = released(new Event());
        Fiber<Void> fiber = Fiber.builder().loop(group.loop(1)).name("parked-probe").start(() -> parkedInTest(event));
        String path = "/actuator/fibers/" + fiber.id();

        await().atMost(PATIENCE).untilAsserted(() -> {
            HttpResponse<String> one = http.get(path);
            assertThat(one.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<String>read(one.body(), "$.state")).isEqualTo("PARKED");
            assertThat(JsonPath.<String>read(one.body(), "$.name")).isEqualTo("parked-probe");
            assertThat(JsonPath.<Integer>read(one.body(), "$.loop")).isEqualTo(1);
            assertThat(JsonPath.<List<String>>read(one.body(), "$.stack")).anyMatch(frame -> frame.contains("parkedInTest"));
            assertThat(JsonPath.<String>read(one.body(), "$.parkBlocker")).matches("[\\w.$]+@[0-9a-f]+");
        });
        HttpResponse<String> parked = http.get("/actuator/fibers?state=parked");
        assertThat(JsonPath.<List<Integer>>read(parked.body(), "$.fibers[?(@.name == 'parked-probe')].loop")).containsExactly(1);

        event.set();
        fiber.join();

        assertThat(http.get(path).statusCode()).isEqualTo(404);
        assertThat(JsonPath.<List<Object>>read(http.get("/actuator/fibers").body(), "$.fibers[?(@.name == 'parked-probe')]")).isEmpty();
    }

    @Test
    void textDumpReadsLikeAThreadDump() {
        Event event = released(new Event());
        Fiber<Void> fiber = Fiber.builder().loop(group.loop(0)).name("text-probe").start(() -> parkedInTest(event));
        await().atMost(PATIENCE).until(() -> fiber.state().name().equals("PARKED"));

        HttpResponse<String> text = http.get("/actuator/fibers?state=parked", "text/plain");

        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(text.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(text.body()).startsWith("Evergreen fiber dump ")
            .contains("\"text-probe\" #" + fiber.id() + " loop=0 PARKED age=")
            .contains("   parked on ")
            .contains("parkedInTest");
    }

    @Test
    void filtersNarrowTheDumpAndBadFiltersAreRejected() {
        Event event = released(new Event());
        for (int i = 0; i < 5; i++) {
            Fiber.builder().loop(group.loop(i % 2)).name("filter-probe-" + i).start(() -> parkedInTest(event));
        }
        await().atMost(PATIENCE).until(() -> countNamed(http.get("/actuator/fibers?state=parked").body(), "filter-probe-") == 5);

        assertThat(countNamed(http.get("/actuator/fibers?state=running,runnable").body(), "filter-probe-")).isZero();
        assertThat(countNamed(http.get("/actuator/fibers?minAge=1h").body(), "filter-probe-")).isZero();
        HttpResponse<String> limited = http.get("/actuator/fibers?limit=2");
        assertThat(JsonPath.<Integer>read(limited.body(), "$.count")).isEqualTo(2);
        assertThat(JsonPath.<Boolean>read(limited.body(), "$.truncated")).isTrue();

        assertThat(http.get("/actuator/fibers?state=sleeping").statusCode()).isEqualTo(400);
        assertThat(http.get("/actuator/fibers?minAge=soon").statusCode()).isEqualTo(400);
        assertThat(http.get("/actuator/fibers?limit=-1").statusCode()).isEqualTo(400);
        assertThat(http.get("/actuator/fibers/999999999").statusCode()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- meters

    @Test
    void liveFiberGaugesCountParkedFibersAndTheCompletedCounterCountsTheirEnd() {
        double parkedBefore = gaugeSum("evergreen.fibers.live", "state", "parked");
        double succeededBefore = counterSum("evergreen.fibers.completed", "outcome", "success");
        double startedBefore = counterSum("evergreen.fibers.started", null, null);
        Event event = released(new Event());
        List<Fiber<Void>> fibers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            fibers.add(Fiber.builder().loop(group.loop(i % 2)).start(() -> parkedInTest(event)));
        }

        // The application's own fibers (a request in flight, say) may come and go: allow a few.
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(gaugeSum("evergreen.fibers.live", "state", "parked") - parkedBefore)
            .isBetween(1_000.0, 1_005.0));
        assertThat(counterSum("evergreen.fibers.started", null, null) - startedBefore).isGreaterThanOrEqualTo(1_000);
        double live = gaugeSum("evergreen.fibers.live", null, null);
        assertThat(live).isGreaterThanOrEqualTo(1_000);

        event.set();
        fibers.forEach(Fiber::join);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(gaugeSum("evergreen.fibers.live", "state", "parked") - parkedBefore)
            .isLessThanOrEqualTo(5.0));
        assertThat(counterSum("evergreen.fibers.completed", "outcome", "success") - succeededBefore).isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void everyMeterHasADescriptionAndTheContractsTypesAndUnits() {
        Map<String, Meter.Type> types = Map.ofEntries(Map.entry("evergreen.loop.latency", Meter.Type.TIMER),
                Map.entry("evergreen.fiber.schedule.delay", Meter.Type.TIMER),
                Map.entry("evergreen.fibers.live", Meter.Type.GAUGE),
                Map.entry("evergreen.fibers.started", Meter.Type.COUNTER),
                Map.entry("evergreen.fibers.completed", Meter.Type.COUNTER),
                Map.entry("evergreen.loop.queue.depth", Meter.Type.GAUGE),
                Map.entry("evergreen.loop.busy", Meter.Type.GAUGE),
                Map.entry("evergreen.loop.blocked", Meter.Type.COUNTER),
                Map.entry("evergreen.loop.blocked.duration", Meter.Type.TIMER),
                Map.entry("evergreen.locals.entries", Meter.Type.GAUGE),
                Map.entry("evergreen.locals.lookups", Meter.Type.COUNTER),
                Map.entry("evergreen.shared.queue.depth", Meter.Type.GAUGE),
                Map.entry("evergreen.scoped.beans", Meter.Type.GAUGE),
                Map.entry("evergreen.scoped.beans.created", Meter.Type.COUNTER),
                Map.entry("evergreen.scoped.beans.destroyed", Meter.Type.COUNTER));
        types.forEach((name, type) -> {
            List<Meter> found = List.copyOf(meters.find(name).meters());
            assertThat(found).as(name).isNotEmpty();
            found.forEach(meter -> {
                assertThat(meter.getId().getType()).as(name).isEqualTo(type);
                assertThat(meter.getId().getDescription()).as(name).isNotBlank();
                if (!name.startsWith("evergreen.scoped") && !name.startsWith("evergreen.shared")) {
                    assertThat(meter.getId().getTag("loop")).as(name).isIn("0", "1");
                }
            });
        });
        assertThat(meters.get("evergreen.fibers.live").tag("loop", "0").gauges()).extracting(g -> g.getId().getTag("state"))
            .containsExactlyInAnyOrder("running", "runnable", "parked");
        assertThat(meters.get("evergreen.fibers.completed").tag("loop", "0").functionCounters())
            .extracting(c -> c.getId().getTag("outcome")).containsExactlyInAnyOrder("success", "failed", "cancelled");
        assertThat(meters.get("evergreen.locals.lookups").tag("loop", "0").functionCounters())
            .extracting(c -> c.getId().getTag("result")).containsExactlyInAnyOrder("hit", "miss", "initial");
        assertThat(meters.get("evergreen.loop.queue.depth").tag("loop", "0").gauges())
            .extracting(g -> g.getId().getTag("queue")).containsExactlyInAnyOrder("ready", "external", "timers");
        assertThat(meters.get("evergreen.fibers.live").gauge().getId().getBaseUnit()).isEqualTo("fibers");
        assertThat(meters.get("evergreen.loop.latency").timer().getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void prometheusScrapeHasTheLatencyHistogramAndEveryMeter() {
        await().atMost(PATIENCE).until(() -> meters.get("evergreen.loop.latency").tag("loop", "0").timer().count() > 0);

        String scrape = http.get("/actuator/prometheus", "text/plain").body();

        assertThat(scrape).contains("# TYPE evergreen_loop_latency_seconds histogram")
            .containsPattern("evergreen_loop_latency_seconds_bucket\\{.*loop=\"0\".*\\}")
            .containsPattern("evergreen_fiber_schedule_delay_seconds_bucket\\{.*loop=\"1\".*\\}")
            .containsPattern("evergreen_fibers_live_fibers\\{.*state=\"parked\".*\\}")
            .contains("evergreen_fibers_started_fibers_total{")
            .containsPattern("evergreen_fibers_completed_fibers_total\\{.*outcome=\"cancelled\".*\\}")
            .containsPattern("evergreen_loop_queue_depth_callbacks\\{.*queue=\"external\".*\\}")
            .contains("evergreen_loop_busy{")
            .contains("evergreen_loop_blocked_events_total{")
            .contains("evergreen_loop_blocked_duration_seconds_count{")
            .contains("evergreen_locals_entries{")
            .containsPattern("evergreen_locals_lookups_total\\{.*result=\"initial\".*\\}")
            .contains("evergreen_shared_queue_depth_tasks ")
            .contains("evergreen_scoped_beans ")
            .contains("evergreen_scoped_beans_created_beans_total ")
            .contains("evergreen_scoped_beans_destroyed_beans_total ");
    }

    // ---------------------------------------------------------------- blocked loops and health

    @Test
    void fiberSpinningPastTheThresholdIsReportedOnceWithItsStackWhileHealthIsDown() {
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(http.get("/actuator/health/evergreen").statusCode()).isEqualTo(200));
        double blockedBefore = counterSum("evergreen.loop.blocked", null, null);
        long incidentsBefore = watchdog.blockedCount();
        Event spinning = new Event();
        AtomicBoolean downSeen = new AtomicBoolean();
        // It spins 300 ms, and on until the test has seen health DOWN, so that a slow machine cannot make the test
        // look too late. The test reads the indicator itself: an HTTP health request could be given a fiber of
        // the very loop the spinner holds, and wait for it.
        Fiber<Void> spinner = Fiber.builder().loop(group.loop(1)).name("spinner").start(() -> {
            spinning.set();
            spinWithoutYielding(Duration.ofMillis(300), downSeen);
        });
        spinning.await();

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
            Health health = healthIndicator.health(true);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            Map<String, Object> loop1 = loops(health).get(1);
            assertThat(loop1).containsEntry("blocked", true);
            assertThat((String) loop1.get("blockedBy")).contains("spinner");
        });
        downSeen.set(true);
        spinner.join();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(http.get("/actuator/health/evergreen").statusCode()).isEqualTo(200));

        String summary = http.get("/actuator/evergreen").body();
        List<Map<String, Object>> bySpinner = JsonPath.read(summary, "$.blockedEvents[?(@.fiberName == 'spinner')]");
        assertThat(bySpinner).hasSize(1);
        Map<String, Object> event = bySpinner.getFirst();
        assertThat(event.get("loop")).isEqualTo(1);
        assertThat(event.get("ongoing")).isEqualTo(false);
        assertThat(event.get("fiberId")).isEqualTo((int) spinner.id());
        assertThat((Double) event.get("durationMillis")).isGreaterThanOrEqualTo(100.0);
        assertThat(String.valueOf(event.get("stack"))).contains("spinWithoutYielding");
        assertThat(JsonPath.<String>read(summary, "$.loops[1].blocked.last.fiberName")).isNotNull();
        // Counted once: the counter moves with the incidents (other loops' incidents, if a starved machine
        // caused any, count too, so compare the two instead of assuming no other incident).
        long incidents = watchdog.blockedCount() - incidentsBefore;
        assertThat(incidents).isGreaterThanOrEqualTo(1);
        assertThat(counterSum("evergreen.loop.blocked", null, null) - blockedBefore).isEqualTo(incidents);
        await().atMost(PATIENCE).until(() -> meters.get("evergreen.loop.blocked.duration").tag("loop", "1").timer().count() >= 1);
    }

    // ---------------------------------------------------------------- local storage

    @Test
    void localStorageStatsFollowFiberLocalsAndScopedBeansAndReturnToBaseline() {
        String before = http.get("/actuator/evergreen").body();
        long entriesBefore = JsonPath.<Number>read(before, "$.localStorage.liveEntries").longValue();
        long scopedLiveBefore = JsonPath.<Number>read(before, "$.localStorage.scopedBeans.live").longValue();
        long scopedCreatedBefore = JsonPath.<Number>read(before, "$.localStorage.scopedBeans.created").longValue();
        long scopedDestroyedBefore = JsonPath.<Number>read(before, "$.localStorage.scopedBeans.destroyed").longValue();
        long initialsBefore = JsonPath.<Number>read(before, "$.localStorage.lookups.initial").longValue();

        CompletableFuture<HttpResponse<String>> held = http.postAsync("/hold?q=abc", "key", "body");

        await().atMost(PATIENCE).untilAsserted(() -> {
            String during = http.get("/actuator/evergreen").body();
            // USER, TRACE and TRAIL, plus the scope store the starter keeps in a fiber-local.
            assertThat(JsonPath.<Number>read(during, "$.localStorage.liveEntries").longValue() - entriesBefore)
                .isGreaterThanOrEqualTo(3);
            assertThat(JsonPath.<Number>read(during, "$.localStorage.scopedBeans.live").longValue() - scopedLiveBefore)
                .isEqualTo(1);
            assertThat(JsonPath.<Number>read(during, "$.localStorage.scopedBeans.created").longValue() - scopedCreatedBefore)
                .isEqualTo(1);
            assertThat(JsonPath.<Number>read(during, "$.localStorage.lookups.initial").longValue() - initialsBefore)
                .isGreaterThanOrEqualTo(1);
            assertThat(JsonPath.<Integer>read(during, "$.localStorage.fiberLocalKeys")).isGreaterThanOrEqualTo(3);
        });

        ActuatorTestApplication.release.set();
        assertThat(held.join().body()).startsWith("released ");

        await().atMost(PATIENCE).untilAsserted(() -> {
            String after = http.get("/actuator/evergreen").body();
            assertThat(JsonPath.<Number>read(after, "$.localStorage.liveEntries").longValue()).isEqualTo(entriesBefore);
            assertThat(JsonPath.<Number>read(after, "$.localStorage.scopedBeans.live").longValue()).isEqualTo(scopedLiveBefore);
            assertThat(JsonPath.<Number>read(after, "$.localStorage.scopedBeans.destroyed").longValue() - scopedDestroyedBefore)
                .isEqualTo(1);
        });
        assertThat(gaugeSum("evergreen.scoped.beans", null, null)).isEqualTo(scopedLiveBefore);
    }

    // ---------------------------------------------------------------- privacy, summary, info

    @Test
    void dumpsNeverContainRequestHeadersBodiesOrQueryStrings() {
        CompletableFuture<HttpResponse<String>> held = http.postAsync("/hold?q=query-secret-4711", "header-secret-0815",
                "body-secret-2342");
        await().atMost(PATIENCE).until(() -> http.get("/actuator/fibers?state=parked", "text/plain").body()
            .contains("parkedInRequestHandler"));

        List<String> views = List.of(http.get("/actuator/fibers").body(),
                http.get("/actuator/fibers", "text/plain").body(), http.get("/actuator/evergreen").body(),
                http.get("/actuator/health").body());

        // The request's fiber is named after its method and path, not its query string.
        assertThat(views.get(1)).contains("\"POST /hold\" #");
        for (String view : views) {
            assertThat(view).doesNotContain("query-secret-4711", "header-secret-0815", "body-secret-2342", "X-Api-Key");
        }
        ActuatorTestApplication.release.set();
        assertThat(held.join().statusCode()).isEqualTo(200);
    }

    @Test
    void summaryDescribesEveryLoop() {
        await().atMost(PATIENCE).until(() -> JsonPath.<Number>read(http.get("/actuator/evergreen").body(),
                "$.loops[0].latency.samples").longValue() > 0);
        String summary = http.get("/actuator/evergreen").body();

        assertThat(JsonPath.<String>read(summary, "$.scheduler")).isEqualTo("loop");
        assertThat(JsonPath.<Integer>read(summary, "$.loopCount")).isEqualTo(2);
        assertThat(JsonPath.<Double>read(summary, "$.blockedThresholdMillis")).isEqualTo(100.0);
        assertThat(JsonPath.<List<String>>read(summary, "$.loops[*].thread"))
            .allMatch(name -> name.matches("evergreen(-\\d+)?-loop-\\d+"));
        assertThat(JsonPath.<List<String>>read(summary, "$.loops[*].state")).containsOnly("running");
        assertThat(JsonPath.<List<Number>>read(summary, "$.loops[*].busyRatio"))
            .allMatch(ratio -> ratio.doubleValue() >= 0 && ratio.doubleValue() <= 1);
        assertThat(JsonPath.<Number>read(summary, "$.fibers.started").longValue())
            .isGreaterThanOrEqualTo(JsonPath.<Number>read(summary, "$.fibers.completed").longValue());
        for (String field : List.of("ready", "external", "timers")) {
            assertThat(JsonPath.<Number>read(summary, "$.loops[0].queues." + field).longValue()).isNotNegative();
        }
    }

    @Test
    void summaryCountsWhatEachLoopDid() {
        String before = http.get("/actuator/evergreen").body();
        // A request on a new connection: Tomcat's poller hands its fiber to the group, a loop takes it. (On the
        // kept-alive connection it could run on the fiber that served the request before, see HttpCalls.)
        http.getOnNewConnection("/actuator/health");
        String after = http.get("/actuator/evergreen").body();

        // The counters are read one by one while the loops run: a loop asleep right now has counted its sleep
        // but not yet the poll it sleeps in. Hence the slack of one per loop.
        int loops = JsonPath.<Integer>read(after, "$.loopCount");
        long iterations = sum(after, "iterations");
        assertThat(iterations).isPositive();
        assertThat(sum(after, "polls")).isPositive().isLessThanOrEqualTo(iterations + loops);
        assertThat(sum(after, "sleeps")).isPositive().isLessThanOrEqualTo(sum(after, "polls") + loops);
        assertThat(sum(after, "callbacks")).isPositive();
        assertThat(sum(after, "timersFired")).isPositive(); // the latency probe's timers
        assertThat(sum(after, "sharedTasksTaken")).isGreaterThan(sum(before, "sharedTasksTaken"));
        // A loop is woken only for work handed in from outside: to it, or to the group for any loop (a task woken
        // for and not yet taken is the slack of one per loop).
        assertThat(sum(after, "wakeups"))
            .isLessThanOrEqualTo(sum(after, "externalSubmissions") + sum(after, "sharedTasksTaken") + loops);
        assertThat(JsonPath.<Number>read(after, "$.sharedQueueDepth").longValue()).isNotNegative();
        assertThat(sum(after, "ioEvents")).isNotNegative();
    }

    private static long sum(String summary, String activity) {
        return JsonPath.<List<Number>>read(summary, "$.loops[*].activity." + activity).stream()
            .mapToLong(Number::longValue).sum();
    }

    @Test
    void infoNamesTheLoopsAndTheScheduler() {
        String info = http.get("/actuator/info").body();
        assertThat(JsonPath.<Integer>read(info, "$.evergreen.loops")).isEqualTo(2);
        assertThat(JsonPath.<String>read(info, "$.evergreen.scheduler")).isEqualTo("loop");
    }

    // ---------------------------------------------------------------- helpers

    private Event released(Event event) {
        toRelease.add(event);
        return event;
    }

    private static void parkedInTest(Event event) {
        event.await();
    }

    private static void spinWithoutYielding(Duration atLeast, AtomicBoolean until) {
        long start = System.nanoTime();
        long cap = start + PATIENCE.toNanos();
        while (System.nanoTime() - start < atLeast.toNanos() || (!until.get() && System.nanoTime() - cap < 0)) {
            Thread.onSpinWait();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> loops(Health health) {
        return (List<Map<String, Object>>) health.getDetails().get("loops");
    }

    private static int countNamed(String dump, String prefix) {
        return JsonPath.<List<Object>>read(dump, "$.fibers[?(@.name =~ /" + prefix + ".*/)]").size();
    }

    private double gaugeSum(String name, String tag, String value) {
        var search = meters.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        return search.gauges().stream().mapToDouble(Gauge::value).sum();
    }

    private double counterSum(String name, String tag, String value) {
        var search = meters.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        return search.functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }
}
