package io.evergreen.spring.web;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.web.FiberWebApplication.Gates;

import java.net.http.HttpResponse;
import java.util.List;

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

/**
 * The application of {@link TomcatFibersTests} on embedded Jetty, with {@code spring.threads.virtual.enabled=true}
 * as well: Evergreen's customizer replaces the virtual-thread pool Spring Boot sets, and requests run on fibers,
 * not on Jetty's virtual threads.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Jetty.class },
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "spring.threads.virtual.enabled=true", "server.jetty.threads.max=16" })
class JettyFibersTests {

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

    /** Far more requests in flight than Jetty's 16 platform threads. */
    @Test
    void fiveHundredRequestsAreInFlightAtOnceOnTwoLoops() throws Exception {
        int requests = 500;
        gates.barrier(requests);
        List<HttpResponse<String>> responses = http.getConcurrently("/barrier", requests);
        assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));
    }

    @Test
    void aFiberScopedBeanIsTheSameInARequestAndInTheFibersItSpawns() throws Exception {
        HttpResponse<String> response = http.get("/scoped");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<Integer> ids = JsonPath.read(response.body(), "$");
        assertThat(ids).hasSize(4).containsOnly(ids.getFirst());
    }

    @Test
    void mvcCallableRunsOnAFiber() throws Exception {
        HttpResponse<String> response = http.get("/callable");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
        assertThat(response.headers().firstValue("X-Fiber-ASYNC")).hasValue("true");
    }
}
