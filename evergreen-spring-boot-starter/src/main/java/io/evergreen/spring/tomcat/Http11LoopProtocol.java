package io.evergreen.spring.tomcat;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopWatchdog;

import java.nio.channels.SocketChannel;

import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

/**
 * Tomcat's HTTP/1.1 protocol on a {@link LoopEndpoint}: connections polled by Evergreen's event loops, each request
 * on a fiber of the loop that polls its connection. Spring Boot creates it by name
 * ({@code TomcatWebServerFactory.setProtocol}); the starter then gives it the loop group.
 */
public class Http11LoopProtocol extends AbstractHttp11Protocol<SocketChannel> {

    private static final Log LOG = LogFactory.getLog(Http11LoopProtocol.class);

    public Http11LoopProtocol() {
        super(new LoopEndpoint());
    }

    public void setLoopGroup(EventLoopGroup loops) {
        getLoopEndpoint().setLoopGroup(loops);
    }

    /** See {@link LoopEndpoint#setWatchdog}. */
    public void setWatchdog(LoopWatchdog watchdog) {
        getLoopEndpoint().setWatchdog(watchdog);
    }

    public EventLoopGroup getLoopGroup() {
        return getLoopEndpoint().getLoopGroup();
    }

    /** The endpoint, for monitoring its connections ({@link LoopEndpoint#openConnections()}). */
    public LoopEndpoint getLoopEndpoint() {
        return (LoopEndpoint) getEndpoint();
    }

    @Override
    protected String getNamePrefix() {
        return "http-evergreen";
    }

    @Override
    protected Log getLog() {
        return LOG;
    }
}
