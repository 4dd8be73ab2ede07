package io.evergreen.spring.autoconfigure;

import io.evergreen.spring.FiberExecutor;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Tomcat run each request on a fiber: the protocol handler's executor becomes the {@link FiberExecutor}.
 * Tomcat's acceptor and poller stay on their platform threads. Ordered after Spring Boot's
 * {@code TomcatVirtualThreadsWebServerFactoryCustomizer} (order 1), whose protocol handler customizer it
 * overrides by running later.
 */
public class EvergreenTomcatWebServerFactoryCustomizer
        implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

    /** The order: after Spring Boot's own customizers. */
    public static final int ORDER = 10;

    private final FiberExecutor fiberExecutor;

    public EvergreenTomcatWebServerFactoryCustomizer(FiberExecutor fiberExecutor) {
        this.fiberExecutor = fiberExecutor;
    }

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
        factory.addProtocolHandlerCustomizers(
                (TomcatProtocolHandlerCustomizer<?>) (protocolHandler) -> protocolHandler.setExecutor(fiberExecutor));
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
