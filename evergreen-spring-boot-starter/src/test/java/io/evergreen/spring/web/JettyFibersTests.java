package io.evergreen.spring.web;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberScope;
import io.evergreen.spring.web.FiberWebApplication.Gates;
import io.evergreen.spring.web.FiberWebApplication.RequestContext;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.jayway.jsonpath.JsonPath;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application of {@link TomcatFibersTests} on embedded Jetty, with {@code spring.threads.virtual.enabled=true}
 * as well: Evergreen's customizer replaces the virtual-thread pool Spring Boot sets, and requests run on fibers,
 * not on Jetty's virtual threads.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Jetty.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "spring.threads.virtual.enabled=true", "server.jetty.threads.max=16" })
class JettyFibersTests {

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
    void theServerIsJettyWithPlatformSelectorsAndTheFiberExecutorForRequests() {
        assertThat(((ServletWebServerApplicationContext) context).getWebServer())
            .isInstanceOfSatisfying(JettyWebServer.class, server -> assertThat(server.getServer().getThreadPool())
                .isInstanceOfSatisfying(QueuedThreadPool.class, pool -> {
                    assertThat(pool.getVirtualThreadsExecutor()).isSameAs(context.getBean(FiberExecutor.class));
                    assertThat(pool.getMaxThreads()).isEqualTo(16);
                }));
    }

    @Test
    void aControllerRunsOnAFiberOfOneOfTheLoops() throws Exception {
        HttpResponse<String> response = http.get("/fiber");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(JsonPath.<Boolean>read(response.body(), "$.inGroup")).isTrue();
        assertThat(JsonPath.<Integer>read(response.body(), "$.loop")).isBetween(0, group.size() - 1);
    }

    /** Far more requests in flight than Jetty's 16 platform threads: all 2,000 must be in flight at once. */
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
    void anAsyncRequestKeepsItsFiberScopedBeanUntilItsAsyncProcessingCompletes() throws Exception {
        FiberScope scope = (FiberScope) context.getBeanFactory().getRegisteredScope(FiberScope.NAME);
        await().atMost(WAIT).until(() -> scope.getLiveCount() == 0);
        long createdBefore = scope.getCreatedCount();
        HttpResponse<String> response = http.get("/scoped/callable");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<Integer> ids = JsonPath.read(response.body(), "$");
        assertThat(ids).hasSize(2).containsOnly(ids.getFirst());
        await().atMost(WAIT).until(() -> scope.getLiveCount() == 0);
        assertThat(scope.getCreatedCount() - createdBefore).isEqualTo(1);
    }

    @Test
    void mvcCallableRunsOnAFiber() throws Exception {
        HttpResponse<String> response = http.get("/callable");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(response.headers().firstValue("X-Fiber-ASYNC")).hasValue("true");
    }
}
