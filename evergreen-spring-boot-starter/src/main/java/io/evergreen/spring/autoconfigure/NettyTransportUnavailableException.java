package io.evergreen.spring.autoconfigure;

import java.util.Locale;

/**
 * Thrown at start-up when {@code evergreen.netty.transport} names a transport that cannot run in this JVM: epoll
 * off Linux, or without Netty's native library on the class path. {@link NettyTransportUnavailableFailureAnalyzer}
 * reports it.
 */
final class NettyTransportUnavailableException extends IllegalStateException {

    private final String transport;

    NettyTransportUnavailableException(EvergreenProperties.Netty.Transport transport, Throwable cause) {
        super("evergreen.netty.transport=" + transport.name().toLowerCase(Locale.ROOT) + " cannot run here: "
                + cause, cause);
        this.transport = transport.name().toLowerCase(Locale.ROOT);
    }

    /** The transport as the property names it, {@code epoll}. */
    String transport() {
        return transport;
    }
}
