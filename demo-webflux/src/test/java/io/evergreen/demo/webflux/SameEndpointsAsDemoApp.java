package io.evergreen.demo.webflux;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * demo-app's endpoints and payloads, which the WebFlux demo answers alike in each style: the tests of each style
 * implement this.
 */
interface SameEndpointsAsDemoApp {

    DemoHttp http();

    @Test
    default void helloAnswersTheGreetingAsText() throws Exception {
        HttpResponse<String> hello = http().get("/hello");
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("Hello, World!");
        assertThat(hello.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    }

    @Test
    default void jsonAnswersTheMessage() throws Exception {
        HttpResponse<String> json = http().get("/json");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).isEqualTo("{\"message\":\"Hello, World!\"}");
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    default void sleepSleepsAndSaysHowLong() throws Exception {
        HttpResponse<String> slept = http().get("/sleep?ms=5");
        assertThat(slept.statusCode()).isEqualTo(200);
        assertThat(slept.body()).isEqualTo("{\"sleptMillis\":5}");
        assertThat(http().get("/sleep").body()).isEqualTo("{\"sleptMillis\":20}");
    }

    @Test
    default void sleepRefusesDurationsOutOfRange() throws Exception {
        assertThat(http().get("/sleep?ms=-1").statusCode()).isEqualTo(400);
        assertThat(http().get("/sleep?ms=60001").statusCode()).isEqualTo(400);
    }

    @Test
    default void placingAnOrderStoresItAndAnswersItWithTheTenMostRecent() throws Exception {
        String marker = "order-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> placed = http().postJson("/orders", "{\"item\":\"tea\",\"quantity\":2}",
                "X-Request-Id", marker, "X-User", "alice");

        assertThat(placed.statusCode()).isEqualTo(201);
        assertThat(placed.headers().firstValue("X-Request-Id")).hasValue(marker);
        String body = placed.body();
        assertThat((String) JsonPath.read(body, "$.order.customer")).isEqualTo("alice");
        assertThat((String) JsonPath.read(body, "$.order.item")).isEqualTo("tea");
        assertThat((Integer) JsonPath.read(body, "$.order.quantity")).isEqualTo(2);
        assertThat((Double) JsonPath.read(body, "$.order.total")).isEqualTo(19.98);
        assertThat((String) JsonPath.read(body, "$.order.requestId")).isEqualTo(marker);
        assertThat((String) JsonPath.read(body, "$.order.createdAt")).isNotBlank();
        List<String> recentIds = JsonPath.read(body, "$.recent[*].requestId");
        assertThat(recentIds).hasSizeBetween(1, 10).first().isEqualTo(marker);
        Number id = JsonPath.read(body, "$.order.id");
        Number newest = JsonPath.read(body, "$.recent[0].id");
        assertThat(newest.longValue()).isEqualTo(id.longValue());
    }

    @Test
    default void anOrderWithoutHeadersIsAnonymousWithAFreshRequestId() throws Exception {
        HttpResponse<String> placed = http().postJson("/orders", "{\"item\":\"cake\",\"quantity\":1}");
        assertThat(placed.statusCode()).isEqualTo(201);
        assertThat((String) JsonPath.read(placed.body(), "$.order.customer")).isEqualTo("anonymous");
        String requestId = JsonPath.read(placed.body(), "$.order.requestId");
        assertThat(UUID.fromString(requestId)).isNotNull();
        assertThat(placed.headers().firstValue("X-Request-Id")).hasValue(requestId);
    }

    @Test
    default void anInvalidOrderIsRefused() throws Exception {
        assertThat(http().postJson("/orders", "{\"item\":\"tea\",\"quantity\":0}").statusCode()).isEqualTo(400);
        assertThat(http().postJson("/orders", "{\"item\":\" \",\"quantity\":1}").statusCode()).isEqualTo(400);
    }

    @Test
    default void recentOrdersAreListed() throws Exception {
        http().postJson("/orders", "{\"item\":\"jam\",\"quantity\":3}");
        HttpResponse<String> recent = http().get("/orders?limit=1");
        assertThat(recent.statusCode()).isEqualTo(200);
        assertThat((List<?>) JsonPath.read(recent.body(), "$")).hasSize(1);
        assertThat(http().get("/orders?limit=0").statusCode()).isEqualTo(400);
    }
}
