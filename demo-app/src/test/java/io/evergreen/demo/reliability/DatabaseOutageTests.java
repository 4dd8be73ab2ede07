package io.evergreen.demo.reliability;

import com.jayway.jsonpath.JsonPath;

import io.evergreen.loop.EventLoopGroup;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /orders} on the machine's PostgreSQL through a {@link BlackholeProxy}: when the database stops
 * answering (the proxy swallows everything, closes nothing), requests fail within the pool's and the driver's
 * timeouts with 503 and {@code Retry-After}; their fibers end, so while clients keep calling, the fibers alive
 * stay bounded by the clients, and none is left once they stop; when the database answers again, so does
 * {@code /orders}.
 * <p>
 * The timeouts that end a request: HikariCP's {@code connection-timeout} (1 s) when no live connection can be
 * had, and the driver's {@code socketTimeout} (2 s) on a connection already in use. Without them a request
 * would wait for the kernel's TCP timeouts: many minutes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "evergreen.loops=2",
        "demo.echo.enabled=false", "spring.datasource.hikari.maximum-pool-size=4",
        "spring.datasource.hikari.connection-timeout=1000", "spring.datasource.hikari.validation-timeout=500" })
@ActiveProfiles("postgres")
// The context is bound to this class's proxy, closed after it: no other class may reuse it.
@DirtiesContext
class DatabaseOutageTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** Far above the server's own timeouts: a request that reaches it has hung. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(15);

    /** Twice the pool: some requests wait for a connection, others hold one that hangs. */
    private static final int CLIENTS = 8;

    private static final int CALLS_PER_CLIENT = 4;

    private static final BlackholeProxy proxy = BlackholeProxy.forwardingTo(new InetSocketAddress("127.0.0.1", 5432));

    @DynamicPropertySource
    static void databaseBehindTheProxy(DynamicPropertyRegistry registry) {
        // socketTimeout, connectTimeout and loginTimeout are in seconds.
        registry.add("spring.datasource.url", () -> "jdbc:postgresql://127.0.0.1:" + proxy.port()
                + "/test?socketTimeout=2&connectTimeout=2&loginTimeout=3");
    }

    @LocalServerPort
    int port;

    @Autowired
    EventLoopGroup group;

    Http http;

    @BeforeEach
    void openHttp() {
        http = new Http(port, CLIENT_TIMEOUT);
    }

    @AfterEach
    void restoreTheDatabase() {
        proxy.restore();
        http.close();
    }

    @AfterAll
    static void closeProxy() {
        proxy.close();
    }

    @Test
    void ordersAnswer503WhileTheDatabaseIsCutOffAndRecoverWhenItIsBack() throws Exception {
        assertThat(http.get("/orders").statusCode()).isEqualTo(200);
        await("no request fiber left over").atMost(PATIENCE).until(() -> group.liveFibers() == 0);

        proxy.cut();
        AtomicInteger mostFibersAlive = new AtomicInteger();
        ScheduledExecutorService census = Executors.newSingleThreadScheduledExecutor();
        census.scheduleAtFixedRate(() -> mostFibersAlive.accumulateAndGet(group.liveFibers(), Math::max), 0, 5,
                TimeUnit.MILLISECONDS);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<List<HttpResponse<String>>>> calls = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                calls.add(clients.submit(() -> {
                    List<HttpResponse<String>> mine = new ArrayList<>();
                    for (int i = 0; i < CALLS_PER_CLIENT; i++) {
                        mine.add(http.get("/orders")); // fails the test with HttpTimeoutException if it hangs
                    }
                    return mine;
                }));
            }
            for (Future<List<HttpResponse<String>>> call : calls) {
                responses.addAll(call.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS));
            }
        } finally {
            census.shutdownNow();
        }

        assertThat(responses).hasSize(CLIENTS * CALLS_PER_CLIENT).allSatisfy(response -> {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(JsonPath.<String>read(response.body(), "$.title")).isEqualTo("Database unavailable");
        });
        // A client's next call may start while the fiber of its previous one is finishing: two each at most.
        assertThat(mostFibersAlive.get()).as("most fibers alive at once").isPositive().isLessThanOrEqualTo(2 * CLIENTS);
        await("every request fiber ended, with the database still cut off").atMost(PATIENCE)
            .until(() -> group.liveFibers() == 0);

        proxy.restore();
        await("/orders answers again").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
            .until(() -> http.get("/orders").statusCode() == 200);
    }
}
