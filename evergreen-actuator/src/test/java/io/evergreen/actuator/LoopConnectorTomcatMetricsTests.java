package io.evergreen.actuator;

import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs in a JVM of its own (see this module's pom): Tomcat's MBean registry, once disabled by another test's server,
 * stays disabled for the JVM.
 * <p>
 * Tomcat's own connection meters ({@code tomcat.connections.*}, read from the connector's JMX attributes) count the
 * loop connector's connections as they count those of Tomcat's NIO connector: an operator's dashboards keep working.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "evergreen.web.connector=loop", "evergreen.loops=2", "server.tomcat.mbeanregistry.enabled=true" })
class LoopConnectorTomcatMetricsTests {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Test
    void openKeepAliveConnectionsAreCountedAndCountedOutWhenTheyClose() throws Exception {
        // Micrometer binds Tomcat's meters once the application has started, from the connector's JMX attributes.
        await().atMost(PATIENCE).until(() -> meters.find("tomcat.connections.keepalive.current").gauge() != null);
        double before = gauge("tomcat.connections.current");
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
                client.setSoTimeout((int) PATIENCE.toMillis());
                clients.add(client);
                client.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponseBody(client.getInputStream(), "hello".length())).isEqualTo("hello");
            }
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(gauge("tomcat.connections.current")).isGreaterThanOrEqualTo(before + 3);
                assertThat(gauge("tomcat.connections.keepalive.current")).isGreaterThanOrEqualTo(3);
            });
        } finally {
            for (Socket client : clients) {
                client.close();
            }
        }
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(gauge("tomcat.connections.current")).isLessThanOrEqualTo(before);
            assertThat(gauge("tomcat.connections.keepalive.current")).isZero();
        });
    }

    private double gauge(String name) {
        return meters.get(name).gauge().value();
    }

    /** Reads one response's headers, then a body of the given length (the test endpoint's fixed answer). */
    private static String readResponseBody(InputStream in, int length) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended inside the headers: " + head);
            }
            head.append((char) b);
        }
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}
