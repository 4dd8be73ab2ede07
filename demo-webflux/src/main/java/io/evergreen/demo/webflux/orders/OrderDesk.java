package io.evergreen.demo.webflux.orders;

import io.evergreen.demo.webflux.identity.RequestIdentity;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.stereotype.Component;

/**
 * What {@code /orders} does, the same in both styles: checks an order, prices it, stores it and answers it with the
 * ten most recent ones. Blocking: the styles differ only in which thread calls it.
 */
@Component
class OrderDesk {

    static final int MAX_LIMIT = 100;

    private static final BigDecimal UNIT_PRICE = new BigDecimal("9.99");

    private final OrderRepository orders;

    OrderDesk(OrderRepository orders) {
        this.orders = orders;
    }

    static boolean isValid(NewOrder order) {
        return order.item() != null && !order.item().isBlank() && order.quantity() >= 1 && order.quantity() <= 1_000;
    }

    static boolean isValidLimit(int limit) {
        return limit >= 1 && limit <= MAX_LIMIT;
    }

    Placed place(NewOrder order, RequestIdentity identity) {
        BigDecimal total = BigDecimal.valueOf(order.quantity()).multiply(UNIT_PRICE);
        Order placed = orders.insert(identity.user(), order.item(), order.quantity(), total, identity.requestId());
        return new Placed(placed, orders.recent(10));
    }

    List<Order> recent(int limit) {
        return orders.recent(limit);
    }

    record NewOrder(String item, int quantity) {
    }

    record Placed(Order order, List<Order> recent) {
    }
}
