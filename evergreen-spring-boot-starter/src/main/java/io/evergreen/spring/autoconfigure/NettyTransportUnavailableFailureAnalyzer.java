package io.evergreen.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports {@code evergreen.netty.transport=epoll} where epoll cannot run: names the dependency to add, Netty's own
 * reason, and the way back to the default transport.
 */
final class NettyTransportUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<NettyTransportUnavailableException>
        implements Ordered {

    /** Netty's native epoll transport, as a build names it. */
    static final String EPOLL_DEPENDENCY = "io.netty:netty-transport-native-epoll";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NettyTransportUnavailableException cause) {
        String description = """
                evergreen.netty.transport is '%s', but Netty's %s transport cannot run in this JVM (%s %s): %s"""
            .formatted(cause.transport(), cause.transport(), System.getProperty("os.name"),
                    System.getProperty("os.arch"), cause.getCause());
        String action = """
                Add %s, with the classifier of this machine (linux-x86_64 or linux-aarch_64), to the application's \
                dependencies (epoll runs on Linux only), or set evergreen.netty.transport to 'nio' (the default)."""
            .formatted(EPOLL_DEPENDENCY);
        return new FailureAnalysis(description, action, cause);
    }

    @Override
    public int getOrder() {
        return 0;
    }
}
