package io.evergreen.spring.web;

import io.evergreen.spring.tomcat.Http11LoopProtocol;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every test of {@link TomcatFibersTests} (fibers, 2,000 requests in flight at once, the fiber scope, MVC async,
 * context propagation) again, with the event loops polling Tomcat's connections ({@code evergreen.web.connector=loop}).
 */
@SpringBootTest(classes = { FiberWebApplication.class, EmbeddedServers.Tomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.loops=2", "evergreen.web.connector=loop", "server.tomcat.max-connections=10000",
                "server.tomcat.accept-count=4096", "server.tomcat.keep-alive-timeout=5s" })
class TomcatLoopConnectorFibersTests extends TomcatFibersTests {

    @Autowired
    private ConfigurableApplicationContext context;

    @Test
    void theProtocolIsTheLoopProtocolOnTheApplicationsLoops() {
        assertThat(((ServletWebServerApplicationContext) context).getWebServer())
            .isInstanceOfSatisfying(TomcatWebServer.class, server -> assertThat(
                    server.getTomcat().getConnector().getProtocolHandler())
                .isInstanceOfSatisfying(Http11LoopProtocol.class,
                        protocol -> assertThat(protocol.getLoopGroup()).isSameAs(context.getBean("evergreenEventLoopGroup"))));
    }
}
