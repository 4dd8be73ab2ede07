package io.evergreen.demo.reliability;

import io.evergreen.loop.EventLoop;

import java.io.IOException;

import org.springframework.boot.test.context.TestComponent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Handlers that misbehave on purpose, for the reliability tests only: the demo's own code has none. A test
 * component, so that the demo's component scan never picks it up; the tests that need it import it.
 * Every answer says which loop served it, so that a test can tell the held loop's requests from the others'.
 */
@RestController
@TestComponent
@RequestMapping("/faults")
class FaultyHandlers {

    static final String FAILURE_MESSAGE = "fault injected: this handler always throws";

    private final LoopHog hog;
    private volatile int overflowLoop = -1;

    FaultyHandlers(LoopHog hog) {
        this.hog = hog;
    }

    /** Where a well-behaved request ran, and whether a hog held a loop (its own or another) at that moment. */
    @GetMapping("/where")
    Where where() {
        return new Where(currentLoop(), hog.isHolding());
    }

    @GetMapping("/throw")
    Where fail() {
        throw new IllegalStateException(FAILURE_MESSAGE);
    }

    @GetMapping("/spin")
    Where spin() {
        hog.spin();
        return new Where(currentLoop(), false);
    }

    @GetMapping("/pin")
    Where pin() throws IOException {
        hog.readFifo();
        return new Where(currentLoop(), false);
    }

    /** Recurses until the stack overflows; the loop it ran on is kept for {@link #lastOverflowLoop()}. */
    @GetMapping("/overflow")
    Where overflow() {
        overflowLoop = currentLoop();
        return new Where(currentLoop(), Recursion.deeper(0) > 0);
    }

    int lastOverflowLoop() {
        return overflowLoop;
    }

    private static int currentLoop() {
        EventLoop loop = EventLoop.current();
        return loop == null ? -1 : loop.index();
    }

    record Where(int loop, boolean hogHolding) {
    }
}
