package io.evergreen.demo.webflux.orders;

import io.evergreen.demo.webflux.identity.RequestIdentity;
import io.evergreen.demo.webflux.orders.OrderDesk.NewOrder;
import io.evergreen.demo.webflux.orders.OrderDesk.Placed;

import java.util.List;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
 * {@code /orders} as a WebFlux user does JDBC: the blocking calls wrapped in {@code Mono.fromCallable} and moved off
 * the Netty thread to {@code Schedulers.boundedElastic()}, a pool of platform threads.
 */
@RestController
@ConditionalOnProperty(name = "demo.style", havingValue = "reactive")
class ReactiveOrderController {

    private final OrderDesk desk;

    ReactiveOrderController(OrderDesk desk) {
        this.desk = desk;
    }

    @PostMapping("/orders")
    Mono<ResponseEntity<Placed>> place(@RequestBody NewOrder order,
            @RequestAttribute(RequestIdentity.ATTRIBUTE) RequestIdentity identity) {
        if (!OrderDesk.isValid(order)) {
            return Mono.just(ResponseEntity.badRequest().build());
        }
        return Mono.fromCallable(() -> desk.place(order, identity))
            .subscribeOn(Schedulers.boundedElastic())
            .map(placed -> ResponseEntity.status(HttpStatus.CREATED).body(placed));
    }

    @GetMapping("/orders")
    Mono<ResponseEntity<List<Order>>> recent(@RequestParam(defaultValue = "10") int limit) {
        if (!OrderDesk.isValidLimit(limit)) {
            return Mono.just(ResponseEntity.badRequest().build());
        }
        return Mono.fromCallable(() -> desk.recent(limit))
            .subscribeOn(Schedulers.boundedElastic())
            .map(ResponseEntity::ok);
    }
}
