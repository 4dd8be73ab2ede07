package io.evergreen.demo;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The demo as it runs, on a random HTTP port and a random echo port, so that it never clashes with another
 * application on the machine. Every subclass with the same profile shares one cached application context: keep
 * the configuration here, not in subclasses. The echo server's line limit is small so that a test can exceed it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "demo.echo.port=0", "demo.echo.max-line-bytes=" + AbstractDemoAppTests.ECHO_MAX_LINE_BYTES })
@Import(DemoTestConfiguration.class)
abstract class AbstractDemoAppTests {

    static final int ECHO_MAX_LINE_BYTES = 64;

    /** How long to wait for a condition: generous, the build machine is small and shared. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    GatedDownstream downstream;

    DemoHttp http;

    @BeforeEach
    void openHttp() {
        http = new DemoHttp(port);
        downstream.reset();
    }

    @AfterEach
    void closeHttp() {
        downstream.reset();
        http.close();
    }
}
