package io.evergreen.demo.reliability;

import com.jayway.jsonpath.JsonPath;

import io.evergreen.demo.reliability.FaultyHandlers.Where;
import io.evergreen.loop.EventLoopGroup;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo with two loops and the {@link FaultyHandlers}. Subclasses share one cached application context: keep
 * the configuration here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "evergreen.loops=2",
        "evergreen.blocked-threshold=100ms", "demo.echo.enabled=false",
        // Idle keep-alive connections are never timed out by the server during a test: no stray request fiber
        // then lands on a held loop, where the tests count the probes waiting.
        "server.tomcat.keep-alive-timeout=10m", "server.tomcat.connection-timeout=10m" })
@Import({ FaultyHandlers.class, LoopHog.class })
abstract class AbstractFaultsTests {

    static final Duration PATIENCE = Duration.ofSeconds(30);

    /** Enough that the executor's round robin gives each of the two loops some. */
    static final int PROBES = 8;

    /** One client per class: closing one makes Tomcat dispatch a fiber per connection it had open. */
    static Http http;

    @LocalServerPort
    int port;

    @Autowired
    EventLoopGroup group;

    @Autowired
    LoopHog hog;

    LogRecords logs;

    @BeforeEach
    void warmUpAndQuiesce() throws Exception {
        if (http == null) {
            http = new Http(port, PATIENCE);
            // The first requests initialise Spring MVC and load classes, which holds a loop past the threshold
            // on its own: that is not what these tests look at.
            served(probes());
        }
        await("no request fiber left over").atMost(PATIENCE).until(() -> group.liveFibers() == 0);
        logs = LogRecords.open();
    }

    @AfterEach
    void releaseTheHogAndCloseTheLogs() throws IOException {
        if (logs != null) {
            logs.close();
        }
        hog.reset();
    }

    @AfterAll
    static void closeHttp() {
        if (http != null) {
            http.close();
            http = null;
        }
    }

    /** {@link #PROBES} requests to {@code /faults/where}, sent at once. */
    static List<CompletableFuture<HttpResponse<String>>> probes() {
        List<CompletableFuture<HttpResponse<String>>> probes = new ArrayList<>();
        for (int i = 0; i < PROBES; i++) {
            probes.add(http.getAsync("/faults/where"));
        }
        return probes;
    }

    /** Where each probe was served, in order; each must be a 200. */
    static List<Where> served(List<CompletableFuture<HttpResponse<String>>> probes) throws Exception {
        List<Where> served = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> probe : probes) {
            served.add(where(probe.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)));
        }
        return served;
    }

    static Where where(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new Where(JsonPath.read(response.body(), "$.loop"), JsonPath.read(response.body(), "$.hogHolding"));
    }
}
