package io.evergreen.demo.webflux.web;

import io.evergreen.demo.webflux.web.Messages.Message;
import io.evergreen.demo.webflux.web.Messages.Slept;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * demo-app's simplest handlers, written as on Spring MVC. Their return types are not reactive, so WebFlux runs them
 * on its blocking executor: with Evergreen, a fiber of the loop that read the request, which a sleep parks.
 */
@RestController
@ConditionalOnProperty(name = "demo.style", havingValue = "blocking", matchIfMissing = true)
class BlockingBasicController {

    @GetMapping(path = "/hello", produces = "text/plain")
    String hello() {
        return Messages.HELLO;
    }

    @GetMapping("/json")
    Message json() {
        return new Message(Messages.HELLO);
    }

    @GetMapping("/sleep")
    ResponseEntity<Slept> sleep(@RequestParam(defaultValue = "20") long ms) throws InterruptedException {
        if (!Messages.isValidSleep(ms)) {
            return ResponseEntity.badRequest().build();
        }
        Thread.sleep(Duration.ofMillis(ms));
        return ResponseEntity.ok(new Slept(ms));
    }
}
