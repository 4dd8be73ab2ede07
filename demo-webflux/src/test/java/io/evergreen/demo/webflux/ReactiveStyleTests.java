package io.evergreen.demo.webflux;

import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.spring.EvergreenLoopResources;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.ReactorResourceFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reactive style with Evergreen on: the same endpoints and payloads, the handlers' Monos served by Reactor Netty
 * on Evergreen's loops.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "demo.style=reactive", "evergreen.loops=2" })
class ReactiveStyleTests implements SameEndpointsAsDemoApp {

    @LocalServerPort
    int port;

    @Autowired
    ReactorResourceFactory reactorResources;

    @Autowired
    NettyLoopGroup netty;

    DemoHttp http;

    @BeforeEach
    void openHttp() {
        http = new DemoHttp(port);
    }

    @AfterEach
    void closeHttp() {
        http.close();
    }

    @Override
    public DemoHttp http() {
        return http;
    }

    @Test
    void reactorNettyRunsOnEvergreensLoops() {
        assertThat(reactorResources.getLoopResources()).isInstanceOfSatisfying(EvergreenLoopResources.class,
                loops -> assertThat(loops.group()).isSameAs(netty));
    }

    /** A reactive /sleep is a timer: no fiber is started for it. */
    @Test
    void reactiveHandlersStartNoFibers() throws Exception {
        long started = fibersStarted();
        HttpResponse<String> slept = http.get("/sleep?ms=1");
        assertThat(slept.body()).isEqualTo("{\"sleptMillis\":1}");
        assertThat(fibersStarted()).isEqualTo(started);
    }

    private long fibersStarted() {
        return netty.loops().loops().stream().mapToLong(loop -> loop.stats().fibersStarted()).sum();
    }
}
