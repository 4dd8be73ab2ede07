package io.evergreen.spring.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 over clear text on the loop connector: the client upgrades its connection (h2c), then sends streams at once
 * on it. Tomcat reads the frames when the loop reports the connection readable and runs each stream on a fiber.
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Tomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.connector=loop", "server.http2.enabled=true" })
class LoopConnectorHttp2Tests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @LocalServerPort
    private int port;

    @Test
    void streamsOfAnUpgradedConnectionRunOnFibers() throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> first = client.send(request(), HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<Boolean>read(first.body(), "$.fiber")).isTrue();
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                streams.add(client.sendAsync(request(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> stream : streams) {
                HttpResponse<String> response = stream.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(JsonPath.<Boolean>read(response.body(), "$.fiber")).isTrue();
            }
        }
    }

    private HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fiber")).timeout(WAIT).GET().build();
    }
}
