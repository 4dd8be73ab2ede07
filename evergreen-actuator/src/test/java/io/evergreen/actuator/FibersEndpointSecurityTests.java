package io.evergreen.actuator;

import io.evergreen.sync.Event;

import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fiber dump behind Spring Security, as an operator deploys it: actuator endpoints for the {@code ADMIN} role
 * over HTTP basic, the application's own pages for any signed-in user. Not exposed (the default), the dump is not
 * served to anyone, an administrator included; exposed, it answers 401 without credentials, 403 to a user without
 * the role, 200 to an administrator. And what it shows of a request parked in the application never includes that
 * request's headers, query string, body or credentials.
 * <p>
 * The other tests of this module run without Spring Security (see {@code application.properties}); these put its
 * auto-configuration back.
 */
class FibersEndpointSecurityTests {

    static final String USER_PASSWORD = "alice-password-7731";
    static final String ADMIN_PASSWORD = "admin-password-9902";

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.autoconfigure.exclude=")
    @Import(OperatorSecurity.class)
    class NotExposed {

        @LocalServerPort
        int port;

        @Test
        void theDumpIsServedToNobody() {
            Calls http = new Calls(port);
            assertThat(http.get("/actuator/fibers", "admin", ADMIN_PASSWORD).statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator/fibers/1", "admin", ADMIN_PASSWORD).statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator", "admin", ADMIN_PASSWORD).body()).doesNotContain("fibers");
            assertThat(http.get("/actuator/fibers", null, null).statusCode()).isNotEqualTo(200);
            // Health is served without credentials. It is DOWN (503) for as long as a loop is held past the blocked
            // threshold, as the first requests of a cold JVM on a busy machine can hold one while classes load.
            await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(http.get("/actuator/health", null, null).statusCode()).isEqualTo(200));
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "spring.autoconfigure.exclude=", "management.endpoints.web.exposure.include=health,fibers" })
    @Import(OperatorSecurity.class)
    class Exposed {

        @LocalServerPort
        int port;

        Calls http;

        @BeforeEach
        void setUp() {
            http = new Calls(port);
            ActuatorTestApplication.release = new Event();
        }

        @AfterEach
        void releaseHeldRequests() {
            ActuatorTestApplication.release.set();
        }

        @Test
        void withoutCredentialsTheAnswerIs401() {
            for (String path : List.of("/actuator/fibers", "/actuator/fibers/1", "/actuator/fibers?state=parked")) {
                HttpResponse<String> response = http.get(path, null, null);
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).as(path)
                    .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Basic"));
                assertThat(response.body()).as(path).doesNotContain("stack", "parked");
            }
            assertThat(http.get("/actuator/fibers", "admin", "wrong-password").statusCode()).isEqualTo(401);
        }

        @Test
        void aUserWithoutTheRoleIsAnswered403() {
            for (String path : List.of("/actuator/fibers", "/actuator/fibers/1")) {
                HttpResponse<String> response = http.get(path, "alice", USER_PASSWORD);
                assertThat(response.statusCode()).as(path).isEqualTo(403);
                assertThat(response.body()).as(path).doesNotContain("stack", "parked");
            }
            assertThat(http.get("/hello", "alice", USER_PASSWORD).statusCode()).isEqualTo(200);
        }

        @Test
        void anAdministratorGetsTheDump() {
            HttpResponse<String> json = http.get("/actuator/fibers", "admin", ADMIN_PASSWORD);
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<String>read(json.body(), "$.scheduler")).isEqualTo("loop");
            HttpResponse<String> text = http.get("/actuator/fibers", "admin", ADMIN_PASSWORD, "text/plain");
            assertThat(text.statusCode()).isEqualTo(200);
            assertThat(text.body()).startsWith("Evergreen fiber dump ");
        }

        @Test
        void theDumpOfAParkedRequestShowsNoneOfItsHeadersQueryBodyOrCredentials() throws Exception {
            String querySecret = "query-secret-5150";
            String headerSecret = "header-secret-8675309";
            String bodySecret = "body-secret-1999";
            String credentials = basic("alice", USER_PASSWORD);
            CompletableFuture<HttpResponse<String>> held = http.postAsync("/hold?q=" + querySecret, "alice",
                    USER_PASSWORD, headerSecret, bodySecret);

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(JsonPath.<List<String>>read(
                    http.get("/actuator/fibers?state=parked", "admin", ADMIN_PASSWORD).body(), "$.fibers[*].name"))
                .contains("POST /hold"));
            String json = http.get("/actuator/fibers", "admin", ADMIN_PASSWORD).body();
            String text = http.get("/actuator/fibers", "admin", ADMIN_PASSWORD, "text/plain").body();
            List<Integer> ids = JsonPath.read(json, "$.fibers[?(@.name == 'POST /hold')].id");
            String one = http.get("/actuator/fibers/" + ids.getFirst(), "admin", ADMIN_PASSWORD).body();

            assertThat(text).contains("\"POST /hold\"").contains("parkedInRequestHandler");
            for (String dump : List.of(json, text, one)) {
                assertThat(dump).doesNotContain(querySecret, headerSecret, "X-Api-Key", bodySecret, USER_PASSWORD,
                        credentials, "alice");
            }
            assertThat(held).isNotDone();
            ActuatorTestApplication.release.set();
            assertThat(held.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    private static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * How an operator secures the actuator: its endpoints (health aside) for administrators, the rest of the
     * application for any signed-in user, HTTP basic for both.
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class OperatorSecurity {

        @Bean
        @Order(1)
        SecurityFilterChain actuatorSecurity(HttpSecurity http) throws Exception {
            return http.securityMatcher(EndpointRequest.toAnyEndpoint())
                .authorizeHttpRequests(requests -> requests.requestMatchers(EndpointRequest.to("health"))
                    .permitAll()
                    .anyRequest()
                    .hasRole("ADMIN"))
                .httpBasic(Customizer.withDefaults())
                .build();
        }

        @Bean
        @Order(2)
        SecurityFilterChain applicationSecurity(HttpSecurity http) throws Exception {
            return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable())
                .build();
        }

        @Bean
        InMemoryUserDetailsManager users() {
            return new InMemoryUserDetailsManager(
                    User.withUsername("alice").password("{noop}" + USER_PASSWORD).roles("USER").build(),
                    User.withUsername("admin").password("{noop}" + ADMIN_PASSWORD).roles("USER", "ADMIN").build());
        }
    }

    /** HTTP calls with optional basic credentials, as curl -u makes them. */
    static final class Calls {

        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final int port;

        Calls(int port) {
            this.port = port;
        }

        HttpResponse<String> get(String path, String user, String password) {
            return get(path, user, password, "application/json");
        }

        HttpResponse<String> get(String path, String user, String password, String accept) {
            HttpRequest.Builder request = request(path, user, password).header("Accept", accept).GET();
            try {
                return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        CompletableFuture<HttpResponse<String>> postAsync(String path, String user, String password, String apiKey,
                String body) {
            HttpRequest request = request(path, user, password).header("X-Api-Key", apiKey)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
            return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        }

        private HttpRequest.Builder request(String path, String user, String password) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(PATIENCE);
            if (user != null) {
                request.header("Authorization", "Basic " + basic(user, password));
            }
            return request;
        }
    }
}
