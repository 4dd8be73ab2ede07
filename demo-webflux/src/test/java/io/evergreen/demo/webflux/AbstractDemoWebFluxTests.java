package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.Gate;
import io.evergreen.demo.probe.LoopHog;
import io.evergreen.demo.probe.LoopWitness;
import io.evergreen.demo.probe.ProbeConfiguration;
import io.evergreen.demo.probe.ProbeEndpoints;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.netty.NettyLoopGroup;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The demo in its default style (blocking handlers) on Evergreen with two loops, on a random port, with the
 * {@link ProbeEndpoints}. Subclasses share one cached application context: keep the configuration here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.blocked-threshold=100ms" })
@Import(ProbeConfiguration.class)
abstract class AbstractDemoWebFluxTests {

    /** How long to wait for a condition: generous, the build machine is small and shared. */
    static final Duration PATIENCE = DemoHttp.PATIENCE;

    @LocalServerPort
    int port;

    @Autowired
    NettyLoopGroup netty;

    @Autowired
    EventLoopGroup group;

    @Autowired
    LoopWitness witness;

    @Autowired
    Gate gate;

    @Autowired
    LoopHog hog;

    DemoHttp http;

    @BeforeEach
    void openHttp() {
        http = new DemoHttp(port);
    }

    @AfterEach
    void closeHttpAndReleaseHandlers() {
        gate.reset();
        hog.reset();
        http.close();
    }
}
