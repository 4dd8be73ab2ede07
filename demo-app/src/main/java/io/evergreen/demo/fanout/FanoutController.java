package io.evergreen.demo.fanout;

import io.evergreen.demo.context.RequestContext;
import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /fanout?n=8&ms=100}: n blocking downstream calls at once, each in its own fiber of a
 * {@link FiberGroup}, so the request answers in about ms, not n × ms. Every child reads the request's
 * {@code @FiberScoped} {@link RequestContext} and logs with the request's MDC.
 */
@RestController
class FanoutController {

    static final int MAX_PARTS = 1_000;
    static final long MAX_MILLIS = 10_000;

    private static final Logger logger = LoggerFactory.getLogger(FanoutController.class);

    private final Downstream downstream;
    private final RequestContext context;

    FanoutController(Downstream downstream, RequestContext context) {
        this.downstream = downstream;
        this.context = context;
    }

    @GetMapping("/fanout")
    ResponseEntity<Fanout> fanout(@RequestParam(defaultValue = "8") int n, @RequestParam(defaultValue = "100") long ms) {
        if (n < 1 || n > MAX_PARTS || ms < 0 || ms > MAX_MILLIS) {
            return ResponseEntity.badRequest().build();
        }
        long start = System.nanoTime();
        List<Fiber<Part>> parts = new ArrayList<>(n);
        // A deadline well past the expected latency: a stuck dependency fails the request instead of holding it.
        try (FiberGroup group = FiberGroup.open(Duration.ofMillis(ms).plusSeconds(10))) {
            for (int i = 0; i < n; i++) {
                int index = i;
                parts.add(group.spawn(() -> callPart(index, Duration.ofMillis(ms))));
            }
            group.join();
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        return ResponseEntity.ok(new Fanout(n, ms, elapsedMillis, context.getRequestId(),
                parts.stream().map(Fiber::result).toList()));
    }

    private Part callPart(int index, Duration latency) throws Exception {
        String value = downstream.call(index, latency);
        Fiber<?> self = Fiber.current();
        logger.info("part {} of request {} done on {}", index, context.getRequestId(), self.loop());
        return new Part(index, value, self.name(), self.loop().index(), context.getRequestId(), context.getUser());
    }

    /** What each child fiber saw: its loop, and the request context it shares with its parent. */
    record Part(int index, String value, String fiber, int loop, String requestId, String user) {
    }

    record Fanout(int n, long ms, long elapsedMillis, String requestId, List<Part> parts) {
    }
}
