package io.evergreen.demo.reliability;

import io.evergreen.demo.reliability.FaultyHandlers.Where;
import io.evergreen.fiber.FiberRegistry;
import io.evergreen.loop.EventLoop;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.LoopWatchdog;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Handlers that fail, spin or pin, on an application with two loops: the fault is reported, and other requests
 * keep being served.
 * <p>
 * What a cooperative loop promises, and so what is asserted: a handler that throws costs nothing but its own
 * request (a 500, logged). A handler that spins or pins holds its loop, and nothing else of that loop runs
 * meanwhile; but a new request's fiber waits in the group's queue until a loop is free to take it, so the held
 * loop takes none and the other loop serves every request sent meanwhile. The watchdog names the culprit, with
 * its stack, while it holds the loop, and counts the incident. Each probe says where it ran and whether the hog
 * held a loop at that moment, and the fiber registry counts request fibers waiting on the held loop.
 */
class FaultyHandlersTests extends AbstractFaultsTests {

    @Autowired
    LoopWatchdog watchdog;

    @Autowired
    MeterRegistry meters;

    @Test
    void aHandlerThatThrowsGets500AndIsLoggedWhileBothLoopsKeepServing() throws Exception {
        HttpResponse<String> failed = http.get("/faults/throw");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(logs.of("org.apache.catalina", Level.SEVERE)).as("Tomcat's log of the failure")
            .anyMatch(record -> LogRecords.thrownIncludes(record, IllegalStateException.class, FaultyHandlers.FAILURE_MESSAGE));
        assertThat(served(probes())).extracting(Where::loop).containsOnly(0, 1).contains(0, 1);
    }

    @Test
    void aHandlerSpinningTheCpuHoldsOnlyItsLoopAndIsReported() throws Exception {
        assertOnlyTheHeldLoopWaits("/faults/spin", LoopHog.class.getName(), "spin");
    }

    /** The hold is a read of a FIFO with no data yet: see {@link LoopHog#readFifo()} for why it pins. */
    @Test
    void aHandlerPinnedInABlockingFileReadHoldsOnlyItsLoopAndIsReported(@TempDir Path directory) throws Exception {
        Path fifo = directory.resolve("fault.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).as("mkfifo's exit status").isZero();
        hog.useFifo(fifo);

        assertOnlyTheHeldLoopWaits("/faults/pin", "java.io.FileInputStream", null);
    }

    /**
     * Starts the culprit; while it holds its loop: the watchdog names it with a stack showing the culprit frame,
     * and every probe sent now is answered by the other loop, none waiting on the held one. Then releases it: the
     * culprit's own request ends, and the incident is over, counted and logged.
     */
    private void assertOnlyTheHeldLoopWaits(String path, String culpritClass, String culpritMethod) throws Exception {
        double[] blockedBefore = { blockedMeter(0), blockedMeter(1) };
        CompletableFuture<HttpResponse<String>> culprit = http.getAsync(path);
        int held = hog.awaitHeldLoop(PATIENCE);
        EventLoop heldLoop = group.loop(held);

        BlockedLoopEvent incident = await("the watchdog reports " + heldLoop + " held by " + path).atMost(PATIENCE)
            .until(() -> watchdog.currentIncident(held), event -> event != null && ("GET " + path).equals(event.fiberName()));
        assertThat(incident.fiberName()).isEqualTo("GET " + path);
        assertThat(incident.stack()).as("the culprit's stack").anySatisfy(frame -> {
            assertThat(frame.getClassName()).isEqualTo(culpritClass);
            if (culpritMethod != null) {
                assertThat(frame.getMethodName()).isEqualTo(culpritMethod);
            }
        });
        assertThat(incident.stack()).anySatisfy(frame -> assertThat(frame.getClassName()).isEqualTo(FaultyHandlers.class.getName()));

        List<CompletableFuture<HttpResponse<String>>> probes = probes();
        await("every probe answered while " + heldLoop + " is held").atMost(PATIENCE)
            .until(() -> answered(probes).size() == PROBES);
        assertThat(hog.isHolding()).isTrue();
        assertThat(culprit).isNotDone();
        assertThat(waitingOn(heldLoop)).as("request fibers waiting on the held loop").isZero();
        for (int i = 0; i < PROBES; i++) {
            assertThat(where(probes.get(i).get())).as("probe %d", i).isEqualTo(new Where(1 - held, true));
        }

        hog.release();
        assertThat(culprit.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        await("the incident ends").atMost(PATIENCE).until(() -> !incident.isOngoing());
        assertThat(watchdog.lastEvent(held)).isSameAs(incident);
        assertThat(incident.duration()).isGreaterThanOrEqualTo(watchdog.threshold());
        double counted = blockedMeter(held);
        assertThat(counted).as("evergreen.loop.blocked of " + heldLoop).isGreaterThan(blockedBefore[held]);
        assertThat(logs.of(LoopWatchdog.class.getName(), Level.WARNING)).as("the watchdog's log")
            .anySatisfy(record -> {
                assertThat(record.getMessage()).startsWith(heldLoop.thread().getName() + " blocked for")
                    .contains("by fiber GET " + path + " (id " + incident.fiberId() + ")");
                assertThat(record.getThrown().getStackTrace()).as("the stack logged").anySatisfy(
                        frame -> assertThat(frame.getClassName()).isEqualTo(culpritClass));
            });
        // As Prometheus reads it; at least as many: the scrape itself may hold a loop past the threshold.
        String scrape = http.get("/actuator/prometheus").body();
        assertThat(scrape.lines().filter(line -> line.startsWith("evergreen_loop_blocked_events_total{"))
            .filter(line -> line.contains("loop=\"" + held + "\"")))
            .singleElement()
            .satisfies(line -> assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .isGreaterThanOrEqualTo(counted));
    }

    /** The indexes of the probes answered so far. */
    private static Set<Integer> answered(List<CompletableFuture<HttpResponse<String>>> probes) {
        return IntStream.range(0, probes.size()).filter(i -> probes.get(i).isDone()).boxed().collect(Collectors.toSet());
    }

    /** Request fibers given to the loop and not yet run: the loop is held, so they cannot have started. */
    private static int waitingOn(EventLoop loop) {
        return FiberRegistry.of(loop).census().runnable();
    }

    private double blockedMeter(int loop) {
        return meters.get("evergreen.loop.blocked").tag("loop", Integer.toString(loop)).functionCounter().count();
    }
}
