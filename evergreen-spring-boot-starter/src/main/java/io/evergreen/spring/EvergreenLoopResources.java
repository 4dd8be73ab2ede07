package io.evergreen.spring;

import io.evergreen.netty.NettyLoopGroup;
import io.netty.channel.EventLoopGroup;

import java.time.Duration;
import java.util.Objects;

import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's loop resources on Evergreen's loops: servers accept and serve their connections on the
 * {@link NettyLoopGroup} (round robin over the loops); clients open theirs on the calling fiber's own loop
 * ({@link NettyLoopGroup#colocated()}), so that an answer wakes the fiber that waits for it on the thread that read
 * it.
 * <p>
 * The channel classes Reactor Netty picks follow the group's transport (it asks the group which I/O handles it
 * takes), so {@code useNative} is not consulted: the transport is the loops' own. Disposing these resources does
 * not stop the loops: their owner does (the Spring starter's {@code EventLoopGroupLifecycle}, after the web server
 * has drained).
 */
public final class EvergreenLoopResources implements LoopResources {

    private final NettyLoopGroup netty;

    public EvergreenLoopResources(NettyLoopGroup netty) {
        this.netty = Objects.requireNonNull(netty, "netty");
    }

    public NettyLoopGroup group() {
        return netty;
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return netty;
    }

    @Override
    public EventLoopGroup onServerSelect(boolean useNative) {
        return netty;
    }

    @Override
    public EventLoopGroup onClient(boolean useNative) {
        return netty.colocated();
    }

    /** The loops' threads are not daemons: they keep the JVM alive while the application runs. */
    @Override
    public boolean daemon() {
        return false;
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.empty();
    }

    @Override
    public boolean isDisposed() {
        return netty.isShuttingDown();
    }

    @Override
    public String toString() {
        return "EvergreenLoopResources[" + netty + "]";
    }
}
