package io.evergreen.demo;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code /hello}, {@code /json} and {@code /sleep}, and the proof that requests run on the loops' fibers. */
class BasicEndpointsTests extends AbstractDemoAppTests {

    @Test
    void helloAnswersPlainText() {
        HttpResponse<String> response = http.get("/hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("Hello, World!");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    }

    @Test
    void jsonAnswersAMessage() {
        HttpResponse<String> response = http.get("/json");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"message\":\"Hello, World!\"}");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    }

    @Test
    void sleepAnswersHowLongItSlept() {
        assertThat(http.get("/sleep?ms=30").body()).isEqualTo("{\"sleptMillis\":30}");
        assertThat(http.get("/sleep?ms=0").body()).isEqualTo("{\"sleptMillis\":0}");
    }

    @Test
    void sleepRejectsDurationsOutOfRange() {
        for (String ms : List.of("-1", "60001", "999999", "soon")) {
            assertThat(http.get("/sleep?ms=" + ms).statusCode()).as("ms=" + ms).isEqualTo(400);
        }
    }

    /**
     * Each request is served by a fiber. Requests on fresh connections: Tomcat may serve the next request of a
     * kept-alive connection in the fiber that served the previous one, when it has already arrived.
     */
    @Test
    void everyRequestStartsAFiber() {
        int requests = 25;
        long before = fibersStarted();

        for (int i = 0; i < requests; i++) {
            try (DemoHttp fresh = new DemoHttp(port)) {
                assertThat(fresh.get("/hello").statusCode()).isEqualTo(200);
            }
        }

        assertThat(fibersStarted() - before).isGreaterThanOrEqualTo(requests);
    }

    /**
     * While the fan-out's downstream calls are held, the fiber dump shows each request's own fiber, named after
     * its endpoint, parked on one of the Evergreen loops: one fiber per request in flight, plus one per part.
     */
    @Test
    void requestsInFlightEachHaveAFiberOnAnEvergreenLoop() throws Exception {
        int requests = 10;
        long before = fibersStarted();
        CountDownLatch gate = downstream.closeGate();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            held.add(http.getAsync("/fanout?n=1&ms=0", "X-Request-Id", "held-" + i));
        }

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(
                JsonPath.<List<Object>>read(http.get("/actuator/fibers?state=parked").body(), "$.fibers[?(@.name == 'GET /fanout')]"))
            .hasSize(requests));
        String dump = http.get("/actuator/fibers?state=parked").body();
        List<Number> ids = JsonPath.read(dump, "$.fibers[?(@.name == 'GET /fanout')].id");
        List<Integer> loops = JsonPath.read(dump, "$.fibers[?(@.name == 'GET /fanout')].loop");
        List<String> loopThreads = JsonPath.read(http.get("/actuator/evergreen").body(), "$.loops[*].thread");
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(loops).allSatisfy(loop -> {
            assertThat(loop).isBetween(0, loopThreads.size() - 1);
            assertThat(loopThreads.get(loop)).startsWith("evergreen-loop-");
        });
        assertThat(fibersStarted() - before).isGreaterThanOrEqualTo(2L * requests);
        assertThat(held).noneMatch(CompletableFuture::isDone);

        gate.countDown();

        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = held.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<String>read(response.body(), "$.requestId")).isEqualTo("held-" + i);
            assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].value")).containsExactly("part-0");
        }
    }

    private long fibersStarted() {
        HttpResponse<String> summary = http.get("/actuator/evergreen");
        assertThat(summary.statusCode()).isEqualTo(200);
        return JsonPath.<Number>read(summary.body(), "$.fibers.started").longValue();
    }
}
