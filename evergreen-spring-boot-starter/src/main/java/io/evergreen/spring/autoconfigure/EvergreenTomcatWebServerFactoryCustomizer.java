package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SelectableChannelPoller;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.autoconfigure.EvergreenProperties.Web.Connector;
import io.evergreen.spring.tomcat.Http11LoopProtocol;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Tomcat run each request on a fiber: the protocol handler's executor becomes the {@link FiberExecutor}.
 * With {@code evergreen.web.connector=nio} (the default) Tomcat's acceptor and poller stay on their platform
 * threads; with {@code loop} the protocol becomes {@link Http11LoopProtocol}, whose connections the event loops poll
 * themselves. Ordered after Spring Boot's {@code TomcatVirtualThreadsWebServerFactoryCustomizer} (order 1), whose
 * protocol handler customizer it overrides by running later.
 */
public class EvergreenTomcatWebServerFactoryCustomizer
        implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

    /** The order: after Spring Boot's own customizers. */
    public static final int ORDER = 10;

    private final FiberExecutor fiberExecutor;
    private final Connector connector;
    private final LoopWatchdog watchdog;

    public EvergreenTomcatWebServerFactoryCustomizer(FiberExecutor fiberExecutor) {
        this(fiberExecutor, Connector.NIO, null);
    }

    /**
     * @param watchdog the watchdog whose reports of held loops the loop connector follows (new connections avoid
     *     a held loop, its idle connections move to the others); may be null
     */
    public EvergreenTomcatWebServerFactoryCustomizer(FiberExecutor fiberExecutor, Connector connector,
            LoopWatchdog watchdog) {
        this.fiberExecutor = fiberExecutor;
        this.connector = connector;
        this.watchdog = watchdog;
    }

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
        if (connector == Connector.LOOP) {
            useLoopConnector(factory);
        }
        factory.addProtocolHandlerCustomizers(
                (TomcatProtocolHandlerCustomizer<?>) (protocolHandler) -> protocolHandler.setExecutor(fiberExecutor));
    }

    private void useLoopConnector(ConfigurableTomcatWebServerFactory factory) {
        if (!(factory instanceof TomcatWebServerFactory tomcat)) {
            throw new LoopConnectorUnavailableException("the server factory " + factory.getClass().getName()
                    + " does not let its protocol be chosen");
        }
        if (Ssl.isEnabled(tomcat.getSsl())) {
            throw new LoopConnectorUnavailableException("server.ssl is enabled, and the loop connector serves plain "
                    + "HTTP only");
        }
        EventLoopGroup loops = fiberExecutor.getGroup();
        for (EventLoop loop : loops.loops()) {
            if (!(loop.poller() instanceof SelectableChannelPoller)) {
                throw new LoopConnectorUnavailableException(loop + " polls through "
                        + loop.poller().getClass().getName() + ", which does not serve java.nio channels");
            }
        }
        tomcat.setProtocol(Http11LoopProtocol.class.getName());
        factory.addProtocolHandlerCustomizers((TomcatProtocolHandlerCustomizer<?>) (protocolHandler) -> {
            if (protocolHandler instanceof Http11LoopProtocol protocol) {
                protocol.setLoopGroup(loops);
                protocol.setWatchdog(watchdog);
            }
        });
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
