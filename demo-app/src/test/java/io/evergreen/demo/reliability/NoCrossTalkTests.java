package io.evergreen.demo.reliability;

import io.evergreen.demo.context.RequestContext;
import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberLocal;
import io.evergreen.loop.EventLoopGroup;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10,000 requests, 128 at a time, each with its own request id and one of 500 users, against a handler that
 * parks its fiber (a sleep, then a yield) between setting a {@link FiberLocal} and reading it back with the
 * {@code @FiberScoped} {@link RequestContext} and the logging MDC, and that asks a child fiber the same. Fibers of
 * many requests interleave on each loop, and keep-alive connections carry one user's request after another's:
 * every answer must carry its own request's identity, everywhere it is read, and nothing left by an earlier one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "demo.echo.port=0")
@Import(NoCrossTalkTests.IdentityEcho.class)
class NoCrossTalkTests {

    private static final int REQUESTS = 10_000;
    private static final int CONCURRENCY = 128;
    private static final int USERS = 500;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** A field left out of an answer reads as null, and is then reported as a mismatch like any wrong value. */
    private static final Configuration JSON = Configuration.defaultConfiguration()
        .addOptions(Option.DEFAULT_PATH_LEAF_TO_NULL);

    @LocalServerPort
    int port;

    @Autowired
    IdentityEcho echo;

    @Test
    void everyAnswerCarriesItsOwnRequestsIdentityOnly() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Queue<String> mismatches = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(CONCURRENCY);
        List<CompletableFuture<Void>> checked = new ArrayList<>(REQUESTS);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int i = 0; i < REQUESTS; i++) {
                String requestId = "xt-" + run + "-" + i;
                String user = "user-" + (i % USERS);
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/test/identity?ms=" + (1 + i % 3)))
                    .timeout(PATIENCE)
                    .header("X-Request-Id", requestId)
                    .header("X-User", user)
                    .build();
                inFlight.acquire();
                checked.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenAccept(response -> check(requestId, user, response, mismatches))
                    .whenComplete((ignored, failure) -> inFlight.release()));
            }
            CompletableFuture.allOf(checked.toArray(CompletableFuture[]::new))
                .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }

        assertThat(mismatches).as("answers that carried another request's identity").isEmpty();
        assertThat(echo.mostParkedOnOneLoop()).as("request fibers parked on one loop at once").isGreaterThan(1);
    }

    private static void check(String requestId, String user, HttpResponse<String> response, Queue<String> mismatches) {
        if (response.statusCode() != 200) {
            mismatches.add(requestId + ": status " + response.statusCode());
            return;
        }
        DocumentContext json = JsonPath.using(JSON).parse(response.body());
        expect(mismatches, requestId, "X-Request-Id header", requestId, response.headers().firstValue("X-Request-Id").orElse(null));
        for (String field : List.of("requestId", "mdcRequestId", "childRequestId")) {
            expect(mismatches, requestId, field, requestId, json.read("$." + field));
        }
        for (String field : List.of("user", "fiberLocalUser", "mdcUser", "childUser", "childInheritedUser")) {
            expect(mismatches, requestId, field, user, json.read("$." + field));
        }
        expect(mismatches, requestId, "fiberLocalBeforeSet", null, json.read("$.fiberLocalBeforeSet"));
    }

    private static void expect(Queue<String> mismatches, String requestId, String field, String expected,
            String actual) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            mismatches.add(requestId + ": " + field + " = " + actual + ", expected " + expected);
        }
    }

    /**
     * Test-only endpoint: sets fiber-locals from the request's user, parks the fiber, then reads them back with
     * the request context and the MDC, in the request's fiber and in a child. Counts the request fibers parked on
     * each loop, to show that they interleaved.
     */
    @RestController
    static class IdentityEcho {

        static final FiberLocal<String> USER = FiberLocal.create();
        static final FiberLocal<String> INHERITED_USER = FiberLocal.inheritable();

        private final RequestContext context;
        private final AtomicIntegerArray parked;
        private final AtomicIntegerArray mostParked;

        IdentityEcho(RequestContext context, EventLoopGroup group) {
            this.context = context;
            this.parked = new AtomicIntegerArray(group.size());
            this.mostParked = new AtomicIntegerArray(group.size());
        }

        @GetMapping("/test/identity")
        Identity identity(@RequestHeader("X-User") String user, @RequestParam long ms) throws Exception {
            String before = USER.get();
            USER.set(user);
            INHERITED_USER.set(user);
            int loop = Fiber.current().loop().index();
            mostParked.accumulateAndGet(loop, parked.incrementAndGet(loop), Math::max);
            try {
                Thread.sleep(Duration.ofMillis(ms));
                Fiber.yieldNow();
            } finally {
                parked.decrementAndGet(loop);
            }
            Fiber<String[]> child = Fiber.spawn(() -> new String[] { context.getRequestId(), context.getUser(),
                    INHERITED_USER.get() });
            String[] seenByChild = child.join(PATIENCE);
            return new Identity(context.getRequestId(), context.getUser(), USER.get(), before, MDC.get("requestId"),
                    MDC.get("user"), seenByChild[0], seenByChild[1], seenByChild[2]);
        }

        int mostParkedOnOneLoop() {
            int most = 0;
            for (int i = 0; i < mostParked.length(); i++) {
                most = Math.max(most, mostParked.get(i));
            }
            return most;
        }
    }

    record Identity(String requestId, String user, String fiberLocalUser, String fiberLocalBeforeSet,
            String mdcRequestId, String mdcUser, String childRequestId, String childUser, String childInheritedUser) {
    }
}
