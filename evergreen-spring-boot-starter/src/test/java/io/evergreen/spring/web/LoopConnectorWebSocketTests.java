package io.evergreen.spring.web;

import io.evergreen.fiber.Fiber;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletContext;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.apache.tomcat.websocket.server.WsContextListener;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebSocket on the loop connector: Tomcat's upgraded connection reads frames when the loop reports it readable
 * (no NIO2-style asynchronous I/O on this connector) and writes the echo back with blocking writes, on fibers.
 */
@SpringBootTest(classes = LoopConnectorWebSocketTests.WebSocketApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.connector=loop" })
class LoopConnectorWebSocketTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @LocalServerPort
    private int port;

    @Test
    void messagesAreEchoedInOrderFromAFiber() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (HttpClient client = HttpClient.newHttpClient()) {
            WebSocket socket = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://localhost:" + port + "/echo"), new Collecting(received))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            // One at a time, then a burst sent without waiting: frames arrive while the server is still writing.
            socket.sendText("hello", true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("on a fiber: hello");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String message = i + ":" + "x".repeat(4000);
                sent.add("on a fiber: " + message);
                socket.sendText(message, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            List<String> echoed = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                echoed.add(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            assertThat(echoed).containsExactlyElementsOf(sent);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Collects whole text messages. */
    private static final class Collecting implements WebSocket.Listener {

        private final BlockingQueue<String> received;
        private StringBuilder partial = new StringBuilder();

        Collecting(BlockingQueue<String> received) {
            this.received = received;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }
    }

    /** Echoes each text message, saying whether it was handled on a fiber. */
    public static class Echo extends Endpoint {

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                try {
                    session.getBasicRemote().sendText((Fiber.current() != null ? "on a fiber: " : "off fibers: ") + text);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    /** Tomcat with its WebSocket container (as Spring Boot's WebSocket support sets it up) and the echo endpoint. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class WebSocketApplication {

        @Bean
        TomcatServletWebServerFactory tomcatServletWebServerFactory() {
            TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
            factory.addContextCustomizers(context -> context.addApplicationListener(WsContextListener.class.getName()));
            return factory;
        }

        @Bean
        SmartInitializingSingleton echoEndpoint(ServletContext servletContext) {
            return () -> {
                ServerContainer container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
                try {
                    container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/echo").build());
                } catch (DeploymentException e) {
                    throw new IllegalStateException(e);
                }
            };
        }
    }
}
