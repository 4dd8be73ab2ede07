package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.Gate;
import io.evergreen.demo.probe.ProbeConfiguration;
import io.evergreen.demo.webflux.DemoHttp.RawAnswer;
import io.evergreen.netty.NettyLoopGroup;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown on Reactor Netty, as demo-app's ShutdownWithoutLossTests shows it on Tomcat: the application is
 * closed while blocking handlers are parked on their fibers. The server stops accepting (a new connection is refused
 * by the operating system) and closes its idle kept-alive connections; the requests in flight run to their end and
 * are answered 200, on loops that stay up until the server has drained; then the loops stop.
 */
class GracefulShutdownTests {

    private static final int IN_FLIGHT = 50;
    private static final int AFTER_SHUTDOWN = 10;
    private static final Duration PATIENCE = DemoHttp.PATIENCE;

    /** Stands for the answer on a connection that the server closed without one. */
    private static final int CLOSED_WITHOUT_ANSWER = -1;

    @Test
    void requestsInFlightAreAnsweredAndNewConnectionsRefused() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoWebFluxApplication.class,
                ProbeConfiguration.class)
            .properties("server.port=0", "server.shutdown=graceful", "evergreen.loops=2", "spring.main.banner-mode=off")
            .run();
        Gate gate = context.getBean(Gate.class);
        NettyLoopGroup netty = context.getBean(NettyLoopGroup.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        CompletableFuture<Void> closing = null;
        try (HttpClient client = newClient(); HttpClient lateClient = newClient();
                KeepAliveConnection keptAlive = new KeepAliveConnection(port)) {
            assertThat(keptAlive.get("/hello").body()).isEqualTo("Hello, World!");
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(client.sendAsync(get(port, "/probe/gate?n=g-" + i), HttpResponse.BodyHandlers.ofString()));
            }
            await("every request parked in its handler").atMost(PATIENCE).until(gate::arrived, arrived -> arrived == IN_FLIGHT);

            closing = closeInBackground(context);
            await("the server stops accepting").atMost(PATIENCE).until(() -> !acceptsConnections(port));

            for (int i = 0; i < AFTER_SHUTDOWN; i++) {
                CompletableFuture<HttpResponse<String>> late = lateClient.sendAsync(get(port, "/hello"),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(failureOf(late)).isInstanceOf(ConnectException.class);
            }
            assertThat(answerOnKeptAlive(keptAlive)).as("a request on an idle kept-alive connection")
                .isIn(503, CLOSED_WITHOUT_ANSWER);
            assertThat(inFlight).noneMatch(CompletableFuture::isDone);
            assertThat(closing).isNotDone();
            assertThat(netty.loops().isClosing()).as("the loops wait for the server to drain").isFalse();

            gate.open();
            closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(context.isActive()).isFalse();
            for (int i = 0; i < IN_FLIGHT; i++) {
                HttpResponse<String> answer = inFlight.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.statusCode()).as("g-" + i).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("g-" + i + " passed");
            }
            assertThat(netty.isTerminated()).as("the loops stopped after the server").isTrue();
        } finally {
            gate.open();
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

    /**
     * The status of the answer to a request on a connection that was idle when the shutdown began, or
     * {@link #CLOSED_WITHOUT_ANSWER}.
     */
    private static int answerOnKeptAlive(KeepAliveConnection connection) {
        try {
            RawAnswer answer = connection.get("/hello");
            return answer.status();
        } catch (EOFException | SocketException e) {
            return CLOSED_WITHOUT_ANSWER;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(PATIENCE).GET().build();
    }

    private static Throwable failureOf(CompletableFuture<HttpResponse<String>> sent) {
        try {
            HttpResponse<String> answer = sent.orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join();
            throw new AssertionError("answered " + answer.statusCode() + ": " + answer.body());
        } catch (CompletionException e) {
            return e.getCause();
        }
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
}
