package io.evergreen.actuator;

import java.time.Duration;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fiber dump shows what the application's code is doing: like Boot's thread dump it is served over HTTP only
 * when the operator includes it.
 */
class EndpointExposureTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class WithDefaultExposure {

        @LocalServerPort
        int port;

        @Test
        void onlyHealthIsServed() {
            HttpCalls http = new HttpCalls(port);
            // DOWN (503) while a loop is held past the blocked threshold, as a cold JVM's first requests can hold one.
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(http.get("/actuator/health").statusCode()).isEqualTo(200));
            assertThat(http.get("/actuator/health").body()).doesNotContain("loops");
            assertThat(http.get("/actuator/fibers").statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator/fibers", "text/plain").statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator/evergreen").statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator").body()).doesNotContain("fibers", "evergreen\"");
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "management.endpoints.web.exposure.include=health,fibers")
    class WithFibersIncluded {

        @LocalServerPort
        int port;

        @Test
        void fibersIsServedAndEvergreenIsNot() {
            HttpCalls http = new HttpCalls(port);
            assertThat(http.get("/actuator/fibers").statusCode()).isEqualTo(200);
            assertThat(http.get("/actuator/evergreen").statusCode()).isEqualTo(404);
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = { "management.endpoints.web.exposure.include=*", "management.endpoint.fibers.access=none",
                    "management.health.evergreen.enabled=false" })
    class WithEverythingExposedButFibersSwitchedOff {

        @LocalServerPort
        int port;

        @Test
        void fibersIsNotServedAndHealthHasNoEvergreenContributor() {
            HttpCalls http = new HttpCalls(port);
            assertThat(http.get("/actuator/fibers").statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator/evergreen").statusCode()).isEqualTo(200);
            assertThat(http.get("/actuator/health/evergreen").statusCode()).isEqualTo(404);
        }
    }
}
