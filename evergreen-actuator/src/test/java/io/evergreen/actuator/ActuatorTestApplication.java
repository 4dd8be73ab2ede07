package io.evergreen.actuator;

import io.evergreen.fiber.FiberLocal;
import io.evergreen.spring.FiberScoped;
import io.evergreen.sync.Event;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** An application as a user writes it: the starter and the actuator module on the class path, nothing else. */
@SpringBootApplication
public class ActuatorTestApplication {

    /** Releases the requests parked in {@link HoldController}. */
    public static volatile Event release = new Event();

    static final FiberLocal<String> USER = FiberLocal.create();
    static final FiberLocal<String> TRACE = FiberLocal.inheritable();
    static final FiberLocal<StringBuilder> TRAIL = FiberLocal.withInitial(StringBuilder::new);

    @FiberScoped
    @Component
    public static class RequestContext {

        private static final AtomicInteger INSTANCES = new AtomicInteger();

        private final int instance = INSTANCES.incrementAndGet();

        public int instance() {
            return instance;
        }
    }

    @RestController
    static class HoldController {

        private final RequestContext context;

        HoldController(RequestContext context) {
            this.context = context;
        }

        /** Parks until the test releases it, holding fiber-locals and a @FiberScoped bean. */
        @PostMapping("/hold")
        String hold(@RequestParam String q, @RequestBody String body) {
            USER.set("user-" + q.length());
            TRACE.set("trace-" + body.length());
            TRAIL.get().append("held");
            int instance = context.instance();
            parkedInRequestHandler();
            return "released " + instance + " " + USER.get();
        }

        private static void parkedInRequestHandler() {
            release.await();
        }

        @GetMapping("/hello")
        String hello() {
            return "hello";
        }
    }
}
