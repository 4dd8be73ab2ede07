package io.evergreen.demo.webflux.orders;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Repository;

/**
 * Plain JDBC through HikariCP, as in demo-app: each call blocks its caller on the driver's socket. A blocking
 * handler's caller is a fiber, which parks; the reactive handlers call it on {@code Schedulers.boundedElastic()}.
 */
@Repository
public class OrderRepository {

    private final JdbcClient jdbc;

    public OrderRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Order insert(String customer, String item, int quantity, BigDecimal total, String requestId) {
        Instant now = Instant.now();
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.sql("insert into orders (customer, item, quantity, total, request_id, created_at) "
                + "values (:customer, :item, :quantity, :total, :requestId, :createdAt)")
            .param("customer", customer)
            .param("item", item)
            .param("quantity", quantity)
            .param("total", total)
            .param("requestId", requestId)
            .param("createdAt", Timestamp.from(now))
            .update(key, "id");
        return new Order(key.getKey().longValue(), customer, item, quantity, total, requestId, now);
    }

    public List<Order> recent(int limit) {
        return jdbc.sql("select id, customer, item, quantity, total, request_id, created_at from orders "
                + "order by id desc limit :limit")
            .param("limit", limit)
            .query((rs, row) -> new Order(rs.getLong("id"), rs.getString("customer"), rs.getString("item"),
                    rs.getInt("quantity"), rs.getBigDecimal("total"), rs.getString("request_id"),
                    rs.getTimestamp("created_at").toInstant()))
            .list();
    }
}
