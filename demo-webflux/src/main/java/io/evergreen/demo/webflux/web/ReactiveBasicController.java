package io.evergreen.demo.webflux.web;

import io.evergreen.demo.webflux.web.Messages.Message;
import io.evergreen.demo.webflux.web.Messages.Slept;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The same handlers as {@link BlockingBasicController}, written as a WebFlux user writes them: nothing blocks, the
 * sleep is a timer ({@code Mono.delay}, on Reactor's parallel scheduler).
 */
@RestController
@ConditionalOnProperty(name = "demo.style", havingValue = "reactive")
class ReactiveBasicController {

    @GetMapping(path = "/hello", produces = "text/plain")
    Mono<String> hello() {
        return Mono.just(Messages.HELLO);
    }

    @GetMapping("/json")
    Mono<Message> json() {
        return Mono.just(new Message(Messages.HELLO));
    }

    @GetMapping("/sleep")
    Mono<ResponseEntity<Slept>> sleep(@RequestParam(defaultValue = "20") long ms) {
        if (!Messages.isValidSleep(ms)) {
            return Mono.just(ResponseEntity.badRequest().build());
        }
        return Mono.delay(Duration.ofMillis(ms)).map(tick -> ResponseEntity.ok(new Slept(ms)));
    }
}
