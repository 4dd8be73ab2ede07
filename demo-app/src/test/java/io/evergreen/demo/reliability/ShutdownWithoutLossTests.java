package io.evergreen.demo.reliability;

import io.evergreen.demo.DemoApplication;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo on PostgreSQL with {@code server.shutdown=graceful}, closed while 200 {@code POST /orders} are in
 * flight: half of them not yet written, half written and not yet answered (held by {@link HeldOrderRepository}).
 * Nothing is lost and nothing is half done: every request answered 2xx has its row, no other request has one,
 * and requests that arrive once the shutdown has begun are refused before they reach the application.
 * <p>
 * What Spring Boot 4's graceful shutdown does on Tomcat, and this test asserts: it pauses the connector and closes
 * its server socket, so that a new connection is refused by the operating system. A request on a keep-alive
 * connection opened before never reaches the application: Tomcat closes the connection, or leaves the request
 * unanswered until the drain is over and then closes it (both happen, from run to run, on fibers and on Tomcat's
 * own threads alike); a 503 would do as well. Requests in flight run to their end: the loops, the connection pool
 * and the database stay up until the web server has drained.
 * <p>
 * Each request carries a marker unique to the run as its item and request id: the rows are told apart from
 * other runs' (the database is shared) and deleted afterwards.
 */
class ShutdownWithoutLossTests {

    private static final int IN_FLIGHT = 200;
    private static final int AFTER_SHUTDOWN = 20;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Stands for the answer on a connection that the server closed without one. */
    private static final int CLOSED_WITHOUT_ANSWER = -1;

    private final String run = "shutdown-" + UUID.randomUUID().toString().substring(0, 8);

    /** The test's own view of the database, alive before, during and after the application. */
    private final JdbcClient database = JdbcClient
        .create(new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:5432/test", "postgres", ""));

    @AfterEach
    void deleteThisRunsRows() {
        database.sql("delete from orders where item like :run").param("run", run + "-%").update();
    }

    @Test
    void requestsInFlightAreAnsweredAndStoredAndLaterOnesAreRefused() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoApplication.class, HeldInserts.class)
            .profiles("postgres")
            .properties("server.port=0", "server.shutdown=graceful", "demo.echo.port=0", "spring.main.banner-mode=off")
            .run();
        HeldOrderRepository repository = context.getBean(HeldOrderRepository.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        CompletableFuture<Void> closing = null;
        try (HttpClient client = newClient(); HttpClient lateClient = newClient();
                Socket keptAlive = keptAliveConnection(port)) {
            List<Sent> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(placeOrder(client, port, run + "-" + i));
            }
            await().atMost(PATIENCE).until(repository::arrivedAtGate, arrived -> arrived == IN_FLIGHT);
            assertThat(storedMarkers()).hasSize(repository.arrivedAfterInsert()).hasSize(IN_FLIGHT / 2);

            closing = closeInBackground(context);
            await().atMost(PATIENCE).until(() -> !acceptsConnections(port));

            List<Sent> afterShutdown = new ArrayList<>();
            for (int i = 0; i < AFTER_SHUTDOWN; i++) {
                afterShutdown.add(placeOrder(lateClient, port, run + "-late-" + i));
            }
            for (Sent late : afterShutdown) {
                assertThat(late.failure()).as(late.marker()).isInstanceOf(ConnectException.class);
            }
            String keptAliveMarker = run + "-kept-alive";
            CompletableFuture<Integer> keptAliveAnswer = placeOrderOnKeptAliveConnection(keptAlive, keptAliveMarker);
            assertThat(inFlight).noneMatch(sent -> sent.response().isDone());
            assertThat(closing).isNotDone();

            repository.open();
            closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(context.isActive()).isFalse();
            assertThat(keptAliveAnswer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("kept-alive connection")
                .isIn(503, CLOSED_WITHOUT_ANSWER);
            List<String> answered2xx = inFlight.stream().filter(sent -> sent.status() / 100 == 2).map(Sent::marker).toList();
            Map<String, String> stored = storedMarkers();
            assertThat(stored.keySet()).as("rows stored").containsExactlyInAnyOrderElementsOf(answered2xx)
                .doesNotContain(keptAliveMarker)
                .doesNotContainAnyElementsOf(afterShutdown.stream().map(Sent::marker).toList());
            assertThat(stored).allSatisfy((item, requestId) -> assertThat(requestId).isEqualTo(item));
            assertThat(inFlight).allSatisfy(sent -> assertThat(sent.status()).as(sent.marker()).isEqualTo(201));
        } finally {
            // Whatever failed: let the held requests go and the application stop before the rows are deleted.
            repository.open();
            if (closing == null) {
                context.close();
            } else {
                closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    /** Not on the common pool: on two cores it has one worker, which HttpClient needs to complete its futures. */
    private static CompletableFuture<Void> closeInBackground(ConfigurableApplicationContext context) {
        return CompletableFuture.runAsync(context::close, task -> Thread.ofPlatform().name("closing-demo").start(task));
    }

    /** Item → request id of this run's rows. */
    private Map<String, String> storedMarkers() {
        return database.sql("select item, request_id from orders where item like :run")
            .param("run", run + "-%")
            .query((rs, row) -> Map.entry(rs.getString(1), rs.getString(2)))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    }

    private static Sent placeOrder(HttpClient client, int port, String marker) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
            .timeout(PATIENCE)
            .header("Content-Type", "application/json")
            .header("X-Request-Id", marker)
            .header("X-User", "shutdown-test")
            .POST(HttpRequest.BodyPublishers.ofString(orderJson(marker)))
            .build();
        return new Sent(marker, client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }

    private static String orderJson(String marker) {
        return "{\"item\":\"" + marker + "\",\"quantity\":1}";
    }

    /** A bare connect, no request: whether anything listens on the port. */
    private static boolean acceptsConnections(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    /** A connection that has served one request and is kept alive, idle, as a browser's or a proxy's is. */
    private static Socket keptAliveConnection(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) PATIENCE.toMillis());
        KeepAliveHttp.write(socket, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        KeepAliveHttp.Response hello = KeepAliveHttp.read(socket);
        assertThat(hello.status()).isEqualTo(200);
        assertThat(hello.header("Connection")).isNotEqualToIgnoringCase("close");
        return socket;
    }

    /**
     * The status of the answer, or {@link #CLOSED_WITHOUT_ANSWER}. Read on a thread of its own: Tomcat may leave
     * the request unanswered until the drain is over, and the drain waits for the gate this test opens.
     */
    private static CompletableFuture<Integer> placeOrderOnKeptAliveConnection(Socket socket, String marker)
            throws IOException {
        String body = orderJson(marker);
        KeepAliveHttp.write(socket, "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "X-Request-Id: " + marker + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Thread.ofPlatform().name("kept-alive-reader").start(() -> {
            try {
                status.complete(KeepAliveHttp.read(socket).status());
            } catch (EOFException | SocketException e) {
                status.complete(CLOSED_WITHOUT_ANSWER);
            } catch (Throwable e) {
                status.completeExceptionally(e);
            }
        });
        return status;
    }

    /** A request sent, and what came back: a status, or the exception that stood in for an answer. */
    record Sent(String marker, CompletableFuture<HttpResponse<String>> response) {

        int status() {
            return response.orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join().statusCode();
        }

        Throwable failure() {
            try {
                HttpResponse<String> answer = response.orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join();
                throw new AssertionError(marker + " was answered " + answer.statusCode() + ": " + answer.body());
            } catch (CompletionException e) {
                return e.getCause();
            }
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class HeldInserts {

        @Bean
        @Primary
        HeldOrderRepository heldOrderRepository(JdbcClient jdbc) {
            return new HeldOrderRepository(jdbc);
        }
    }
}
