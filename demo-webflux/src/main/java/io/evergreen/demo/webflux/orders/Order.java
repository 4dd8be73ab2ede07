package io.evergreen.demo.webflux.orders;

import java.math.BigDecimal;
import java.time.Instant;

/** An order as stored in the {@code orders} table. */
public record Order(long id, String customer, String item, int quantity, BigDecimal total, String requestId,
        Instant createdAt) {
}
