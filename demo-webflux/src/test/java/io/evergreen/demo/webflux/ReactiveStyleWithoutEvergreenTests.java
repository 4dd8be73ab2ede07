package io.evergreen.demo.webflux;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.EvergreenLoopResources;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reactive style with {@code evergreen.enabled=false}, as the benchmark runs it: plain WebFlux on Reactor Netty's
 * own loops, with the same endpoints and payloads.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "demo.style=reactive", "evergreen.enabled=false" })
class ReactiveStyleWithoutEvergreenTests implements SameEndpointsAsDemoApp {

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

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
    void reactorNettyKeepsItsOwnLoopsAndThereAreNoEvergreenLoops() throws Exception {
        assertThat(context.getBeanNamesForType(EventLoopGroup.class)).isEmpty();
        assertThat(context.getBean(ReactorResourceFactory.class).getLoopResources())
            .isNotInstanceOf(EvergreenLoopResources.class);
        assertThat(http.get("/actuator/evergreen").statusCode()).isEqualTo(404);
    }
}
