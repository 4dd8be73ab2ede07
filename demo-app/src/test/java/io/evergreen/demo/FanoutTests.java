package io.evergreen.demo;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /fanout}: its parts run at the same time, each in a child fiber that sees the request's context.
 * Concurrency is proven by a barrier that only opens when every part is in flight, never by timing.
 */
class FanoutTests extends AbstractDemoAppTests {

    @Test
    void allPartsAreInFlightAtOnceAndShareTheRequestsContext() {
        CyclicBarrier barrier = new CyclicBarrier(8);
        downstream.arm(barrier, Duration.ofSeconds(8));

        HttpResponse<String> response = http.get("/fanout?n=8&ms=0", "X-Request-Id", "req-42", "X-User", "alice");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(barrier.isBroken()).isFalse();
        String body = response.body();
        assertThat(JsonPath.<Integer>read(body, "$.n")).isEqualTo(8);
        assertThat(JsonPath.<String>read(body, "$.requestId")).isEqualTo("req-42");
        assertThat(JsonPath.<List<Integer>>read(body, "$.parts[*].index")).containsExactlyElementsOf(IntStream.range(0, 8).boxed().toList());
        assertThat(JsonPath.<List<String>>read(body, "$.parts[*].value"))
            .containsExactlyElementsOf(IntStream.range(0, 8).mapToObj(i -> "part-" + i).toList());
        assertThat(JsonPath.<List<String>>read(body, "$.parts[*].requestId")).hasSize(8).containsOnly("req-42");
        assertThat(JsonPath.<List<String>>read(body, "$.parts[*].user")).hasSize(8).containsOnly("alice");
        assertThat(JsonPath.<List<String>>read(body, "$.parts[*].fiber")).hasSize(8).allSatisfy(name -> assertThat(name).isNotBlank());
        int loops = JsonPath.<Integer>read(http.get("/actuator/evergreen").body(), "$.loopCount");
        assertThat(JsonPath.<List<Integer>>read(body, "$.parts[*].loop")).allSatisfy(loop -> assertThat(loop).isBetween(0, loops - 1));
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("req-42");
    }

    /** The barrier is a real test: a fan-out that cannot fill it fails instead of answering. */
    @Test
    void aBarrierThePartsCannotFillFailsTheRequest() {
        CyclicBarrier barrier = new CyclicBarrier(9);
        downstream.arm(barrier, Duration.ofSeconds(1));

        HttpResponse<String> response = http.get("/fanout?n=8&ms=0");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(barrier.isBroken()).isTrue();
    }

    @Test
    void withoutHeadersTheRequestGetsAFreshIdAndAnAnonymousUser() {
        HttpResponse<String> response = http.get("/fanout?n=3&ms=0");

        assertThat(response.statusCode()).isEqualTo(200);
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(requestId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(JsonPath.<String>read(response.body(), "$.requestId")).isEqualTo(requestId);
        assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].requestId")).hasSize(3).containsOnly(requestId);
        assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].user")).hasSize(3).containsOnly("anonymous");
    }

    /** Header values go to the logs: anything but a short, plain token is replaced. */
    @Test
    void unsafeHeaderValuesAreReplaced() {
        HttpResponse<String> response = http.get("/fanout?n=2&ms=0", "X-Request-Id", "evil id", "X-User",
                "x".repeat(65));

        assertThat(response.statusCode()).isEqualTo(200);
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(requestId).isNotEqualTo("evil id").hasSize(36);
        assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].requestId")).containsOnly(requestId);
        assertThat(JsonPath.<List<String>>read(response.body(), "$.parts[*].user")).containsOnly("anonymous");
    }

    @Test
    void badInputIsRejected() {
        for (String query : List.of("n=0", "n=1001", "n=-3", "ms=-1", "ms=10001", "n=two")) {
            assertThat(http.get("/fanout?" + query).statusCode()).as(query).isEqualTo(400);
        }
    }
}
