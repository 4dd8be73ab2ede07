package io.evergreen.netty;

import io.evergreen.loop.IoReadiness;
import io.evergreen.loop.SelectableChannelPoller;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.nio.NioIoOps;
import io.netty.channel.nio.NioSelectableChannelIoHandle;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * A {@link NettyIoPoller} on Netty's NIO transport. Its selector serves Netty's channels and, through
 * {@link #register}, Evergreen's own sockets ({@code TcpServer}, {@code TcpStream}, {@code UdpEndpoint}) alike.
 */
final class NettyNioPoller extends NettyIoPoller implements SelectableChannelPoller {

    private static final System.Logger LOG = System.getLogger(NettyNioPoller.class.getName());

    NettyNioPoller(NettyLoopGroup parent) {
        super(parent, NioIoHandler.newFactory());
    }

    /**
     * Registers an Evergreen channel with Netty's selector. Called on the loop thread or by a fiber mounted on it:
     * either way the loop is not inside its selector, so registering cannot block on it. Netty's register needs
     * no event-loop thread; its {@code ManualIoEventLoop.register} would defer the work to a task, and the caller
     * needs the key now.
     */
    @Override
    public SelectionKey register(SelectableChannel channel, int interestOps, IoReadiness handler)
            throws ClosedChannelException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        IoRegistration registration;
        try {
            registration = handler().register(new ReadinessHandle(channel, handler));
        } catch (ClosedChannelException e) {
            throw e;
        } catch (Exception e) {
            if (!channel.isOpen()) {
                throw (ClosedChannelException) new ClosedChannelException().initCause(e);
            }
            throw new IllegalStateException("Could not register " + channel + " with " + this, e);
        }
        registration.submit(NioIoOps.valueOf(interestOps));
        return registration.attachment();
    }

    /**
     * Hands Netty's readiness of an Evergreen channel to Evergreen's handler, which must not throw into Netty:
     * Netty would drop the rest of the poll's ready keys and put the loop thread to sleep for a second. As in
     * Evergreen's own poller, one broken handler is logged and the poll goes on.
     */
    private static final class ReadinessHandle extends NioSelectableChannelIoHandle<SelectableChannel> {

        private final IoReadiness readiness;

        ReadinessHandle(SelectableChannel channel, IoReadiness readiness) {
            super(channel);
            this.readiness = readiness;
        }

        @Override
        protected void handle(SelectableChannel channel, SelectionKey key) {
            try {
                readiness.ready(key.readyOps());
            } catch (Throwable failure) {
                LOG.log(System.Logger.Level.ERROR, "I/O readiness handler failed", failure);
            }
        }
    }
}
