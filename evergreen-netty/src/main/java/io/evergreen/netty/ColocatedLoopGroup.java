package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * A {@link NettyLoopGroup} whose {@link #next()} is the calling thread's own loop: the Netty loop of the Evergreen
 * loop that runs the caller (the loop thread, or a fiber of it), else the group's round robin. Meant for clients:
 * a connection a fiber opens is then served by the fiber's loop, so that its answer wakes the fiber on the thread
 * that read it. Reactor Netty's own colocation cannot see a fiber (it keeps the loop in a thread-local of the loop's
 * platform thread), which is why this exists.
 * <p>
 * Everything else is the parent's, shutting down included.
 */
final class ColocatedLoopGroup extends AbstractEventExecutorGroup implements IoEventLoopGroup {

    private final NettyLoopGroup parent;

    ColocatedLoopGroup(NettyLoopGroup parent) {
        this.parent = parent;
    }

    @Override
    public IoEventLoop next() {
        EventLoop own = parent.loops().current();
        return own != null ? parent.ioEventLoop(own.index()) : parent.next();
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        return parent.iterator();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return parent.isCompatible(handleType);
    }

    @Override
    public boolean isIoType(Class<? extends IoHandler> handlerType) {
        return parent.isIoType(handlerType);
    }

    /** Through the parent's registration, which refuses loops that have shut down rather than hang. */
    @Override
    public ChannelFuture register(Channel channel) {
        return NettyLoopGroup.register(next(), channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        return NettyLoopGroup.register(next(), promise);
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return NettyLoopGroup.register(next(), promise);
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
        return NettyLoopGroup.register(next(), handle);
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        return parent.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    @Deprecated
    public void shutdown() {
        parent.shutdown();
    }

    @Override
    public Future<?> terminationFuture() {
        return parent.terminationFuture();
    }

    @Override
    public boolean isShuttingDown() {
        return parent.isShuttingDown();
    }

    @Override
    public boolean isShutdown() {
        return parent.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return parent.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return parent.awaitTermination(timeout, unit);
    }

    @Override
    public String toString() {
        return "colocated " + parent;
    }
}
