package io.evergreen.demo.web;

import java.time.Duration;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The simplest handlers: the ones the HTTP benchmark compares across thread models.
 */
@RestController
class BasicController {

    /** The longest sleep a caller may ask for: the demo must not be a way to hold connections forever. */
    static final long MAX_SLEEP_MILLIS = 60_000;

    @GetMapping(path = "/hello", produces = "text/plain")
    String hello() {
        return "Hello, World!";
    }

    @GetMapping("/json")
    Message json() {
        return new Message("Hello, World!");
    }

    /** A blocking sleep: it parks the request's fiber, and its loop serves other requests meanwhile. */
    @GetMapping("/sleep")
    ResponseEntity<Slept> sleep(@RequestParam(defaultValue = "20") long ms) throws InterruptedException {
        if (ms < 0 || ms > MAX_SLEEP_MILLIS) {
            return ResponseEntity.badRequest().build();
        }
        Thread.sleep(Duration.ofMillis(ms));
        return ResponseEntity.ok(new Slept(ms));
    }

    record Message(String message) {
    }

    record Slept(long sleptMillis) {
    }
}
