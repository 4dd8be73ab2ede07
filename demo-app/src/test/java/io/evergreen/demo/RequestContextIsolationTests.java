package io.evergreen.demo;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code @FiberScoped} request context is one per request: many requests at once, each with its own user,
 * and every part of every response carries its own request's user and id only.
 */
class RequestContextIsolationTests extends AbstractDemoAppTests {

    private static final int REQUESTS = 200;
    private static final int PARTS = 4;

    /**
     * A barrier for all parts of all requests makes sure the 200 requests are all in flight together, so that a
     * context shared between requests could not go unnoticed.
     */
    @Test
    void concurrentRequestsNeverSeeEachOthersContext() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(REQUESTS * PARTS);
        downstream.arm(barrier, Duration.ofSeconds(30));
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            responses.add(http.getAsync("/fanout?n=" + PARTS + "&ms=5", "X-Request-Id", "iso-" + run + "-" + i,
                    "X-User", "user-" + i));
        }

        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = responses.get(i).get(PATIENCE.toSeconds() + 30, TimeUnit.SECONDS);
            String requestId = "iso-" + run + "-" + i;
            assertThat(response.statusCode()).as(requestId).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Request-Id")).hasValue(requestId);
            assertThat(JsonPath.<String>read(response.body(), "$.requestId")).isEqualTo(requestId);
            assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].requestId")).as(requestId)
                .hasSize(PARTS)
                .containsOnly(requestId);
            assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].user")).as(requestId)
                .hasSize(PARTS)
                .containsOnly("user-" + i);
        }
        assertThat(barrier.isBroken()).isFalse();
    }
}
