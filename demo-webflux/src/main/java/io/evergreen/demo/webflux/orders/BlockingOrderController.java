package io.evergreen.demo.webflux.orders;

import io.evergreen.demo.webflux.identity.RequestIdentity;
import io.evergreen.demo.webflux.orders.OrderDesk.NewOrder;
import io.evergreen.demo.webflux.orders.OrderDesk.Placed;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders} and {@code GET /orders} as on Spring MVC: JDBC called straight from the handler, which
 * WebFlux runs on its blocking executor (with Evergreen, a fiber).
 */
@RestController
@ConditionalOnProperty(name = "demo.style", havingValue = "blocking", matchIfMissing = true)
class BlockingOrderController {

    private final OrderDesk desk;

    BlockingOrderController(OrderDesk desk) {
        this.desk = desk;
    }

    @PostMapping("/orders")
    ResponseEntity<Placed> place(@RequestBody NewOrder order,
            @RequestAttribute(RequestIdentity.ATTRIBUTE) RequestIdentity identity) {
        if (!OrderDesk.isValid(order)) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(desk.place(order, identity));
    }

    @GetMapping("/orders")
    ResponseEntity<List<Order>> recent(@RequestParam(defaultValue = "10") int limit) {
        if (!OrderDesk.isValidLimit(limit)) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.ok(desk.recent(limit));
    }
}
