package io.evergreen.spring.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sends requests with the JDK's HttpClient, many at once from virtual threads (one connection each).
 */
final class HttpTestClient implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final int port;

    private final HttpClient client;

    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

    HttpTestClient(int port) {
        this.port = port;
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    Future<HttpResponse<String>> getAsync(String path) {
        return senders.submit(() -> get(path));
    }

    /** Sends {@code count} requests at once and returns the responses, in order. */
    List<HttpResponse<String>> getConcurrently(String path, int count) throws Exception {
        List<Future<HttpResponse<String>>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(getAsync(path));
        }
        List<HttpResponse<String>> responses = new ArrayList<>(count);
        for (Future<HttpResponse<String>> future : futures) {
            responses.add(future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }
        return responses;
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(TIMEOUT).GET().build();
    }

    @Override
    public void close() {
        senders.close();
        client.close();
    }
}
