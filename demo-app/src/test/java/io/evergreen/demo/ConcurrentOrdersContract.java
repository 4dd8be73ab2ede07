package io.evergreen.demo;

import com.jayway.jsonpath.JsonPath;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /orders} on a real PostgreSQL: many orders at once, each request's fiber blocking on the driver's socket
 * through HikariCP, and every one stored. Rows are told apart from earlier runs' by a request-id prefix unique to
 * the run, and deleted once checked.
 */
abstract class ConcurrentOrdersContract extends AbstractDemoAppTests {

    private static final int ORDERS = 50;

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @Test
    void theApplicationRunsOnPostgreSql() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
        }
    }

    @Test
    void concurrentOrdersAreAllStored() throws Exception {
        String prefix = "pg-" + UUID.randomUUID().toString().substring(0, 13) + "-";
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
            responses.add(http.postJsonAsync("/orders", "{\"item\":\"item-" + i + "\",\"quantity\":" + (i % 7 + 1) + "}",
                    "X-Request-Id", prefix + i, "X-User", "user-" + i));
        }
        int created = 0;
        for (int i = 0; i < ORDERS; i++) {
            HttpResponse<String> response = responses.get(i).get(PATIENCE.toSeconds() + 30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
            assertThat(JsonPath.<String>read(response.body(), "$.order.requestId")).isEqualTo(prefix + i);
            assertThat(JsonPath.<String>read(response.body(), "$.order.customer")).isEqualTo("user-" + i);
            created++;
        }

        long stored = jdbc.sql("select count(*) from orders where request_id like :prefix")
            .param("prefix", prefix + "%")
            .query(Long.class)
            .single();
        assertThat(stored).isEqualTo(created).isEqualTo(ORDERS);
        Map<String, String> customers = jdbc.sql("select request_id, customer from orders where request_id like :prefix")
            .param("prefix", prefix + "%")
            .query((rs, row) -> Map.entry(rs.getString(1), rs.getString(2)))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        for (int i = 0; i < ORDERS; i++) {
            assertThat(customers).containsEntry(prefix + i, "user-" + i);
        }
        // The database outlives the test: leave it as it was (the assertions above never depend on that).
        jdbc.sql("delete from orders where request_id like :prefix").param("prefix", prefix + "%").update();
    }
}
