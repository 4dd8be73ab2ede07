package io.evergreen.actuator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Plain HTTP calls to the application under test, as a monitoring system or a person with curl makes them. */
final class HttpCalls {

    private final HttpClient client = newClient();
    private final int port;

    HttpCalls(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path) {
        return get(path, "application/json");
    }

    HttpResponse<String> get(String path, String accept) {
        return send(request(path).header("Accept", accept).GET().build());
    }

    /**
     * A GET on a connection of its own. Tomcat serves a request that arrives on a kept-alive connection while
     * the previous request's worker is still finishing on that worker, without handing it to the executor;
     * a new connection always goes from the poller to the executor.
     */
    HttpResponse<String> getOnNewConnection(String path) {
        try (HttpClient oneOff = newClient()) {
            return send(oneOff, request(path).header("Accept", "application/json").GET().build());
        }
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String header, String body) {
        HttpRequest request = request(path).header("X-Api-Key", header)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest request) {
        return send(client, request);
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
