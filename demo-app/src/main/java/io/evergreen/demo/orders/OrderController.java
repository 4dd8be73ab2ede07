package io.evergreen.demo.orders;

import io.evergreen.demo.context.RequestContext;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders} inserts an order and answers it with the most recent ones; {@code GET /orders} lists the
 * most recent. Both run JDBC on the request's fiber, through HikariCP.
 */
@RestController
class OrderController {

    static final int MAX_LIMIT = 100;

    private final OrderRepository orders;
    private final RequestContext context;

    OrderController(OrderRepository orders, RequestContext context) {
        this.orders = orders;
        this.context = context;
    }

    @PostMapping("/orders")
    ResponseEntity<Placed> place(@RequestBody NewOrder order) {
        if (order.item() == null || order.item().isBlank() || order.quantity() < 1 || order.quantity() > 1_000) {
            return ResponseEntity.badRequest().build();
        }
        BigDecimal total = BigDecimal.valueOf(order.quantity()).multiply(new BigDecimal("9.99"));
        Order placed = orders.insert(context.getUser(), order.item(), order.quantity(), total, context.getRequestId());
        return ResponseEntity.status(HttpStatus.CREATED).body(new Placed(placed, orders.recent(10)));
    }

    @GetMapping("/orders")
    ResponseEntity<List<Order>> recent(@RequestParam(defaultValue = "10") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.ok(orders.recent(limit));
    }

    record NewOrder(String item, int quantity) {
    }

    record Placed(Order order, List<Order> recent) {
    }
}
