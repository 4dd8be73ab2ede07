package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.Gate;
import io.evergreen.demo.probe.ProbeConfiguration;
import io.evergreen.spring.MaxInFlightWebFilter;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import static io.evergreen.demo.webflux.DemoHttp.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code evergreen.web.max-in-flight} on Reactor Netty: with the limit's worth of requests held in their handlers,
 * the next ones are answered 503 at once, with Retry-After, and once the held ones end, requests pass again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.max-in-flight=4", "evergreen.web.retry-after=3s" })
@Import(ProbeConfiguration.class)
class MaxInFlightTests {

    private static final int LIMIT = 4;
    private static final int ABOVE = 10;

    @LocalServerPort
    int port;

    @Autowired
    Gate gate;

    @Autowired
    MaxInFlightWebFilter maxInFlight;

    @AfterEach
    void releaseHandlers() {
        gate.reset();
    }

    @Test
    void aboveTheLimitRequestsAreAnswered503WithRetryAfterAndTheHeldOnesAreUnaffected() throws Exception {
        try (DemoHttp http = new DemoHttp(port)) {
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < LIMIT; i++) {
                held.add(http.getAsync("/probe/gate?n=h-" + i));
            }
            await("the limit's worth of requests held").atMost(PATIENCE).until(gate::arrived, arrived -> arrived == LIMIT);
            long rejectedBefore = maxInFlight.getRejectedCount();

            for (int i = 0; i < ABOVE; i++) {
                HttpResponse<String> rejected = http.get("/probe/gate?n=r-" + i);
                assertThat(rejected.statusCode()).isEqualTo(503);
                assertThat(rejected.headers().firstValue("Retry-After")).hasValue("3");
                assertThat(rejected.body()).isEmpty();
            }
            assertThat(gate.arrived()).isEqualTo(LIMIT);
            assertThat(maxInFlight.getRejectedCount() - rejectedBefore).isEqualTo(ABOVE);
            assertThat(maxInFlight.getInFlight()).isEqualTo(LIMIT);

            gate.open();
            for (int i = 0; i < LIMIT; i++) {
                HttpResponse<String> answer = held.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("h-" + i + " passed");
            }
            await("every place given back").atMost(PATIENCE).until(maxInFlight::getInFlight, inFlight -> inFlight == 0);
            assertThat(http.get("/hello").statusCode()).isEqualTo(200);
        }
    }
}
