package io.evergreen.spring.web;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.EventLoopGroupLifecycle;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberScope;
import io.evergreen.spring.web.FiberWebApplication.Gates;
import io.evergreen.spring.web.FiberWebApplication.RequestContext;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spring MVC on embedded Tomcat, every request on a fiber of a group of two loops. The same application on
 * Jetty: {@link JettyFibersTests}.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Tomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "server.tomcat.max-connections=10000", "server.tomcat.accept-count=4096",
                "server.tomcat.keep-alive-timeout=5s" })
class TomcatFibersTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @LocalServerPort
    private int port;

    @Autowired
    private ConfigurableApplicationContext context;

    @Autowired
    private EventLoopGroup group;

    @Autowired
    private Gates gates;

    private HttpTestClient http;

    @BeforeEach
    void openClient() {
        http = new HttpTestClient(port);
    }

    @AfterEach
    void closeClient() {
        http.close();
    }

    @Test
    void theServerIsTomcatWithTheFiberExecutorAndBootsTomcatSettings() {
        assertThat(((ServletWebServerApplicationContext) context).getWebServer())
            .isInstanceOfSatisfying(TomcatWebServer.class, server -> {
                Connector connector = server.getTomcat().getConnector();
                assertThat(connector.getProtocolHandler().getExecutor()).isSameAs(context.getBean(FiberExecutor.class));
                assertThat(connector.getProperty("maxConnections")).isEqualTo(10000);
            });
    }

    @Test
    void theLoopsStopAfterTheWebServerHasDrainedAndStopped() {
        Map<String, SmartLifecycle> webServerLifecycles = context.getBeansOfType(SmartLifecycle.class);
        webServerLifecycles.values().removeIf(lifecycle -> !lifecycle.getClass().getName().startsWith("org.springframework.boot.web.server"));
        assertThat(webServerLifecycles).containsKeys("webServerGracefulShutdown", "webServerStartStop");
        int loopsPhase = context.getBean(EventLoopGroupLifecycle.class).getPhase();
        assertThat(webServerLifecycles.values()).allSatisfy(lifecycle -> assertThat(lifecycle.getPhase()).isGreaterThan(loopsPhase));
    }

    @Test
    void aControllerRunsOnAFiberOfOneOfTheLoops() throws Exception {
        HttpResponse<String> response = http.get("/fiber");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(JsonPath.<Boolean>read(response.body(), "$.inGroup")).isTrue();
        assertThat(JsonPath.<Integer>read(response.body(), "$.loop")).isBetween(0, group.size() - 1);
        assertThat(group.size()).isEqualTo(2);
    }

    /** A pool of 200 threads could never open this barrier: all 2,000 requests must be in flight at once. */
    @Test
    void twoThousandRequestsAreInFlightAtOnceOnTwoLoops() throws Exception {
        int requests = 2_000;
        gates.barrier(requests);
        List<HttpResponse<String>> responses = http.getConcurrently("/barrier", requests);
        assertThat(responses).hasSize(requests)
            .allSatisfy(response -> assertThat(response.statusCode()).as(response.body()).isEqualTo(200))
            .allSatisfy(response -> assertThat(response.body()).isEqualTo("through"));
    }

    @Test
    void aFiberScopedBeanIsTheSameInARequestAndInTheFibersItSpawns() throws Exception {
        HttpResponse<String> response = http.get("/scoped");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<Integer> ids = JsonPath.read(response.body(), "$");
        assertThat(ids).hasSize(4).containsOnly(ids.getFirst());
    }

    @Test
    void concurrentRequestsHaveTheirOwnFiberScopedBean() throws Exception {
        int requests = 20;
        gates.hold(requests);
        List<HttpResponse<String>> responses = http.getConcurrently("/scoped/concurrent", requests);
        Set<String> ids = new HashSet<>();
        for (HttpResponse<String> response : responses) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            ids.add(response.body());
        }
        assertThat(ids).hasSize(requests);
    }

    @Test
    void fiberScopedBeansAreDestroyedAfterEachRequest() throws Exception {
        FiberScope scope = (FiberScope) context.getBeanFactory().getRegisteredScope(FiberScope.NAME);
        await().atMost(WAIT).until(() -> scope.getLiveCount() == 0);
        long createdBefore = scope.getCreatedCount();
        int destroyedBefore = RequestContext.destroyed.get();
        int requests = 1_000;
        int inParallel = 50;
        for (int sent = 0; sent < requests; sent += inParallel) {
            List<HttpResponse<String>> responses = http.getConcurrently("/scoped", inParallel);
            assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));
        }
        await().atMost(WAIT).until(() -> scope.getLiveCount() == 0);
        assertThat(scope.getCreatedCount() - createdBefore).isEqualTo(requests);
        assertThat(RequestContext.destroyed.get() - destroyedBefore).isEqualTo(requests);
    }

    @Test
    void mvcCallableRunsOnAFiber() throws Exception {
        HttpResponse<String> response = http.get("/callable");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(JsonPath.<Boolean>read(response.body(), "$.inGroup")).isTrue();
        assertThat(response.headers().firstValue("X-Fiber-REQUEST")).hasValue("true");
        assertThat(response.headers().firstValue("X-Fiber-ASYNC")).hasValue("true");
    }

    @Test
    void mvcDeferredResultIsCompletedOnAFiberAndDispatchedOnOne() throws Exception {
        HttpResponse<String> response = http.get("/deferred");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.completedOnFiber")).isTrue();
        assertThat(response.headers().firstValue("X-Fiber-REQUEST")).hasValue("true");
        assertThat(response.headers().firstValue("X-Fiber-ASYNC")).hasValue("true");
    }

    @Test
    void mdcAndTheCurrentObservationFollowARequestIntoTheFibersItSpawns() throws Exception {
        HttpResponse<String> response = http.get("/context");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String expectedMdc = JsonPath.read(response.body(), "$.expectedMdc");
        for (String child : List.of("spawn", "group", "async")) {
            Map<String, Object> seen = JsonPath.read(response.body(), "$." + child);
            assertThat(seen).as(child)
                .containsEntry("fiber", true)
                .containsEntry("mdc", expectedMdc)
                .containsEntry("observation", "test.request");
        }
    }

    @Test
    void requestsBelowNoLimitAreNeverRejected() throws Exception {
        assertThat(context.containsBean("evergreenMaxInFlightFilter")).isFalse();
        gates.hold(1);
        Future<HttpResponse<String>> held = http.getAsync("/hold");
        assertThat(gates.arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        gates.release.countDown();
        assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
}
