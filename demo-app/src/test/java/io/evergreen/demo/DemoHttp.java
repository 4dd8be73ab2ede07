package io.evergreen.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Plain HTTP/1.1 calls to the demo under test, as curl or a browser makes them. Headers are given as name, value
 * pairs.
 */
final class DemoHttp implements AutoCloseable {

    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    private final int port;

    DemoHttp(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path, String... headers) {
        return join(getAsync(path, headers));
    }

    CompletableFuture<HttpResponse<String>> getAsync(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    HttpResponse<String> postJson(String path, String json, String... headers) {
        return join(postJsonAsync(path, json, headers));
    }

    CompletableFuture<HttpResponse<String>> postJsonAsync(String path, String json, String... headers) {
        return send(request(path, headers).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    private CompletableFuture<HttpResponse<String>> send(HttpRequest request) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
