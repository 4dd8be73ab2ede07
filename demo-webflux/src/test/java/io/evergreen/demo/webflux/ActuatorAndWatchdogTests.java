package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.LoopHog;
import io.evergreen.demo.probe.ProbeEndpoints;

import com.jayway.jsonpath.JsonPath;

import io.evergreen.demo.webflux.DemoHttp.RawAnswer;
import io.evergreen.loop.EventLoop;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.LoopWatchdog;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The actuator and the watchdog see the loops that serve Reactor Netty: {@code /actuator/evergreen} counts the
 * fibers of parked blocking handlers, and a handler that spins on the CPU holds only its loop and is reported.
 */
class ActuatorAndWatchdogTests extends AbstractDemoWebFluxTests {

    private static final int PARKED = 40;

    @Autowired
    LoopWatchdog watchdog;

    @Test
    void theEvergreenEndpointShowsTheLoopsAndCountsTheFibersOfParkedHandlers() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
        for (int i = 0; i < PARKED; i++) {
            parked.add(http.getAsync("/probe/gate?n=g-" + i));
        }
        await("every request parked at the gate").atMost(PATIENCE).until(gate::arrived, arrived -> arrived == PARKED);

        String evergreen = http.get("/actuator/evergreen").body();
        assertThat((Integer) JsonPath.read(evergreen, "$.loopCount")).isEqualTo(2);
        List<String> threads = JsonPath.read(evergreen, "$.loops[*].thread");
        assertThat(threads).containsExactly(group.loop(0).thread().getName(), group.loop(1).thread().getName());
        List<String> states = JsonPath.read(evergreen, "$.loops[*].state");
        assertThat(states).containsOnly("running");
        assertThat((Integer) JsonPath.read(evergreen, "$.fibers.live")).isGreaterThanOrEqualTo(PARKED);
        assertThat((Integer) JsonPath.read(evergreen, "$.fibers.parked")).isGreaterThanOrEqualTo(PARKED);
        List<Integer> parkedPerLoop = JsonPath.read(evergreen, "$.loops[*].fibers.parked");
        assertThat(parkedPerLoop.stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(PARKED);
        assertThat(((Number) JsonPath.read(evergreen, "$.fibers.started")).longValue()).isGreaterThanOrEqualTo(PARKED);

        gate.open();
        for (int i = 0; i < PARKED; i++) {
            HttpResponse<String> answer = parked.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("g-" + i + " passed");
        }
    }

    /**
     * The culprit holds the loop whose thread read it; a kept-alive connection of the other loop is served
     * meanwhile, one of the held loop waits until the hold ends. The watchdog names the culprit with its stack while
     * it holds the loop, and the endpoint shows the incident afterwards.
     */
    @Test
    void aHandlerSpinningTheCpuHoldsOnlyItsLoopAndIsReported() throws Exception {
        Map<EventLoop, KeepAliveConnection> connections = KeepAliveConnections.onEachLoop(port, witness, group);
        try {
            CompletableFuture<RawAnswer> culprit = CompletableFuture.supplyAsync(() -> {
                try {
                    return DemoHttp.getOnNewConnection(port, "/probe/spin");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, task -> Thread.ofVirtual().start(task));
            EventLoop held = hog.awaitHeldLoop(PATIENCE);
            EventLoop free = group.loop(1 - held.index());

            BlockedLoopEvent incident = await("the watchdog reports " + held).atMost(PATIENCE)
                .until(() -> watchdog.currentIncident(held.index()), event -> event != null && hasFrame(event, LoopHog.class, "spin"));
            assertThat(incident.blockedByFiber()).isTrue();
            assertThat(incident.stack()).anySatisfy(frame -> assertThat(frame.getClassName()).isEqualTo(ProbeEndpoints.class.getName()));

            KeepAliveConnection onHeld = connections.get(held);
            onHeld.send("/probe/where?n=on-held");
            RawAnswer servedMeanwhile = connections.get(free).get("/probe/where?n=on-free");
            assertThat(servedMeanwhile.body()).isEqualTo("on-free");
            assertThat(witness.sighting("on-free").fiberLoop()).isSameAs(free);
            assertThat(hog.isHolding()).as("still holding once the other loop answered").isTrue();
            assertThat(culprit).isNotDone();

            hog.release();
            assertThat(culprit.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("spun");
            assertThat(onHeld.read().body()).isEqualTo("on-held");
            assertThat(witness.sighting("on-held").fiberLoop()).isSameAs(held);

            await("the incident ends").atMost(PATIENCE).until(() -> !incident.isOngoing());
            assertThat(watchdog.blockedCount(held.index())).isPositive();
            String evergreen = http.get("/actuator/evergreen").body();
            List<Map<String, Object>> reported = JsonPath.read(evergreen,
                    "$.blockedEvents[?(@.sequence == " + incident.sequence() + ")]");
            assertThat(reported).singleElement().satisfies(event -> {
                assertThat(event.get("loop")).isEqualTo(held.index());
                assertThat(((Number) event.get("fiberId")).longValue()).isEqualTo(incident.fiberId());
                assertThat(event.get("ongoing")).isEqualTo(false);
                assertThat((List<?>) event.get("stack")).anySatisfy(frame -> assertThat(frame.toString())
                    .startsWith(LoopHog.class.getName() + ".spin("));
            });
            assertThat(((Number) JsonPath.read(evergreen, "$.loops[" + held.index() + "].blocked.count")).longValue())
                .isPositive();
        } finally {
            for (KeepAliveConnection connection : connections.values()) {
                connection.close();
            }
        }
    }

    private static boolean hasFrame(BlockedLoopEvent event, Class<?> type, String method) {
        return event.stack().stream()
            .anyMatch(frame -> frame.getClassName().equals(type.getName()) && frame.getMethodName().equals(method));
    }
}
