package io.evergreen.demo;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /orders} on the embedded H2 database of the default profile. */
class OrdersTests extends AbstractDemoAppTests {

    @Test
    void placingAnOrderStoresItWithTheRequestsIdentity() {
        String requestId = "order-" + UUID.randomUUID();

        HttpResponse<String> response = http.postJson("/orders", "{\"item\":\"widget\",\"quantity\":3}",
                "X-Request-Id", requestId, "X-User", "carol");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String body = response.body();
        long id = JsonPath.<Number>read(body, "$.order.id").longValue();
        assertThat(id).isPositive();
        assertThat(JsonPath.<String>read(body, "$.order.customer")).isEqualTo("carol");
        assertThat(JsonPath.<String>read(body, "$.order.item")).isEqualTo("widget");
        assertThat(JsonPath.<Integer>read(body, "$.order.quantity")).isEqualTo(3);
        assertThat(JsonPath.<Number>read(body, "$.order.total").doubleValue()).isEqualTo(29.97);
        assertThat(JsonPath.<String>read(body, "$.order.requestId")).isEqualTo(requestId);
        assertThat(JsonPath.<Number>read(body, "$.recent[0].id").longValue()).isEqualTo(id);
        assertThat(JsonPath.<List<Object>>read(body, "$.recent")).hasSizeBetween(1, 10);
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue(requestId);
    }

    @Test
    void anOrderWithoutAUserIsAnonymous() {
        HttpResponse<String> response = http.postJson("/orders", "{\"item\":\"gadget\",\"quantity\":1}");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(JsonPath.<String>read(response.body(), "$.order.customer")).isEqualTo("anonymous");
        assertThat(JsonPath.<String>read(response.body(), "$.order.requestId"))
            .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void recentOrdersAreListedNewestFirst() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Long> placed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = http.postJson("/orders", "{\"item\":\"item-" + i + "\",\"quantity\":" + (i + 1) + "}",
                    "X-Request-Id", "list-" + run + "-" + i, "X-User", "dave");
            assertThat(response.statusCode()).isEqualTo(201);
            placed.add(JsonPath.<Number>read(response.body(), "$.order.id").longValue());
        }

        HttpResponse<String> response = http.get("/orders?limit=5");

        assertThat(response.statusCode()).isEqualTo(200);
        List<Long> ids = JsonPath.<List<Number>>read(response.body(), "$[*].id").stream().map(Number::longValue).toList();
        assertThat(ids).hasSizeBetween(3, 5).isSortedAccordingTo(Comparator.reverseOrder()).doesNotHaveDuplicates();
        assertThat(ids.subList(0, 3)).containsExactly(placed.get(2), placed.get(1), placed.get(0));
        assertThat(JsonPath.<List<String>>read(response.body(), "$[0:3].requestId"))
            .containsExactly("list-" + run + "-2", "list-" + run + "-1", "list-" + run + "-0");
        assertThat(JsonPath.<List<Object>>read(http.get("/orders?limit=1").body(), "$")).hasSize(1);
        assertThat(http.get("/orders?limit=100").statusCode()).isEqualTo(200);
        assertThat(http.get("/orders").statusCode()).isEqualTo(200);
    }

    @Test
    void badOrdersAreRejected() {
        for (String json : List.of("{\"item\":\"\",\"quantity\":1}", "{\"item\":\"   \",\"quantity\":1}",
                "{\"quantity\":1}", "{\"item\":\"widget\",\"quantity\":0}", "{\"item\":\"widget\",\"quantity\":-2}",
                "{\"item\":\"widget\",\"quantity\":1001}", "{\"item\":\"widget\"", "not json")) {
            assertThat(http.postJson("/orders", json).statusCode()).as(json).isEqualTo(400);
        }
    }

    @Test
    void badLimitsAreRejected() {
        for (String limit : List.of("0", "101", "-1", "many")) {
            assertThat(http.get("/orders?limit=" + limit).statusCode()).as("limit=" + limit).isEqualTo(400);
        }
    }
}
