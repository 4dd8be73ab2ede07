package io.evergreen.demo.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Plain HTTP/1.1 calls to the application under test, each with a deadline: a request the server never answers
 * fails the test with {@link java.net.http.HttpTimeoutException} instead of hanging it.
 */
final class Http implements AutoCloseable {

    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    private final int port;
    private final Duration timeout;

    Http(int port, Duration timeout) {
        this.port = port;
        this.timeout = timeout;
    }

    HttpResponse<String> get(String path) {
        try {
            return getAsync(path).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    CompletableFuture<HttpResponse<String>> getAsync(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(timeout)
            .GET()
            .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
