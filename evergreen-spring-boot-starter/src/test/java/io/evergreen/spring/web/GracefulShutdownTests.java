package io.evergreen.spring.web;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoopGroup;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code server.shutdown=graceful} on Tomcat and on Jetty: closing the context lets the request in flight complete,
 * then lets the fiber it spawned (which the server does not count) finish before the loops stop. The test runs and
 * closes its own application, so it uses SpringApplicationBuilder, not {@code @SpringBootTest}.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    static Stream<Arguments> servers() {
        return Stream.of(Arguments.of(EmbeddedServers.Tomcat.class, "nio"),
                Arguments.of(EmbeddedServers.Tomcat.class, "loop"), Arguments.of(EmbeddedServers.Jetty.class, "nio"));
    }

    @ParameterizedTest(name = "{0} with evergreen.web.connector={1}")
    @MethodSource("servers")
    void aRequestInFlightWhenTheContextClosesCompletesWith200AndItsFibersFinish(Class<?> server, String connector,
            CapturedOutput output) throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GracefulApplication.class, server)
            .properties("server.port=0", "server.shutdown=graceful", "evergreen.loops=2",
                    "evergreen.shutdown-timeout=30s", "evergreen.web.connector=" + connector)
            .run();
        Slow slow = context.getBean(Slow.class);
        EventLoopGroup group = context.getBean(EventLoopGroup.class);
        int port = ((ServletWebServerApplicationContext) context).getWebServer().getPort();
        try (HttpTestClient http = new HttpTestClient(port)) {
            Future<HttpResponse<String>> inFlight = http.getAsync("/slow");
            assertThat(slow.arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
            await().atMost(WAIT).until(() -> output.getOut().contains("Commencing graceful shutdown"));
            assertThat(inFlight).isNotDone();
            slow.release.countDown();

            HttpResponse<String> response = inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("done");

            // The web server has drained and stopped; the loops wait for the fiber the request left behind.
            await().atMost(WAIT).until(group::isClosing);
            Fiber<String> background = slow.background.get();
            assertThat(background.state()).isEqualTo(FiberState.PARKED);
            assertThat(closing).isNotDone();
            slow.releaseBackground.countDown();

            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(background.join(WAIT)).isEqualTo("background finished");
            assertThat(group.isTerminated()).isTrue();
            assertThat(output).contains("Graceful shutdown complete");
        } finally {
            context.close();
        }
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class GracefulApplication {

        @Bean
        Slow slow() {
            return new Slow();
        }
    }

    @RestController
    static class Slow {

        final CountDownLatch arrived = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        final CountDownLatch releaseBackground = new CountDownLatch(1);

        final AtomicReference<Fiber<String>> background = new AtomicReference<>();

        @GetMapping("/slow")
        String slow() throws InterruptedException {
            arrived.countDown();
            release.await();
            background.set(Fiber.spawn(() -> {
                releaseBackground.await();
                return "background finished";
            }));
            return "done";
        }
    }
}
