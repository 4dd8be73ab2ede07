package io.evergreen.spring.web;

import io.evergreen.spring.MaxInFlightFilter;
import io.evergreen.spring.web.FiberWebApplication.Gates;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code evergreen.web.max-in-flight=10} on Tomcat, with {@code spring.threads.virtual.enabled=true} too, to
 * show that Evergreen's executor wins over Spring Boot's virtual threads there as well.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Tomcat.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.max-in-flight=10", "evergreen.web.retry-after=2s",
                "spring.threads.virtual.enabled=true" })
class TomcatMaxInFlightTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @LocalServerPort
    private int port;

    @Autowired
    private Gates gates;

    @Autowired
    private FilterRegistrationBean<MaxInFlightFilter> maxInFlight;

    private HttpTestClient http;

    @BeforeEach
    void openClient() {
        http = new HttpTestClient(port);
    }

    @AfterEach
    void closeClient() {
        http.close();
    }

    @Test
    void requestsRunOnFibersEvenWithVirtualThreadsEnabled() throws Exception {
        HttpResponse<String> response = http.get("/fiber");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(JsonPath.<Boolean>read(response.body(), "$.inGroup")).isTrue();
    }

    /**
     * The admitted requests hold until the test has seen every rejection, so no permit frees up in between: exactly
     * 10 of 50 get through, the other 40 are answered 503 at once, with Retry-After.
     */
    @Test
    void aboveTheLimitRequestsAreAnswered503WithRetryAfterAndTheOthersAreUnaffected() throws Exception {
        int limit = 10;
        int requests = 50;
        gates.hold(limit);
        long rejectedBefore = maxInFlight.getFilter().getRejectedCount();
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            futures.add(http.getAsync("/hold"));
        }
        await().atMost(WAIT)
            .until(() -> futures.stream().filter(Future::isDone).count() == requests - limit);
        assertThat(gates.arrived.getCount()).isZero();
        assertThat(maxInFlight.getFilter().getInFlight()).isEqualTo(limit);
        gates.release.countDown();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> future : futures) {
            responses.add(future.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        List<HttpResponse<String>> rejected = responses.stream().filter(response -> response.statusCode() == 503).toList();
        List<HttpResponse<String>> served = responses.stream().filter(response -> response.statusCode() == 200).toList();
        assertThat(rejected).hasSize(requests - limit)
            .allSatisfy(response -> assertThat(response.headers().firstValue("Retry-After")).hasValue("2"));
        assertThat(served).hasSize(limit).allSatisfy(response -> assertThat(response.body()).isEqualTo("released"));
        assertThat(maxInFlight.getFilter().getRejectedCount() - rejectedBefore).isEqualTo(requests - limit);
        await().atMost(WAIT).until(() -> maxInFlight.getFilter().getInFlight() == 0);
    }

    @Test
    void anAsyncRequestHoldsItsPermitUntilItCompletes() throws Exception {
        HttpResponse<String> response = http.get("/callable");
        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> maxInFlight.getFilter().getInFlight() == 0);
    }
}
