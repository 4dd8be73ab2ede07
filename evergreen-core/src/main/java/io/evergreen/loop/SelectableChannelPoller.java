package io.evergreen.loop;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * An {@link IoPoller} that serves {@code java.nio} selectable channels from the loop thread: what Evergreen's own
 * sockets ({@code io.evergreen.io}) need. The loop's default {@link NioSelectorPoller} is one; so is a poller that
 * drives Netty's NIO transport, whose selector then serves Netty's channels and Evergreen's alike.
 */
public interface SelectableChannelPoller extends IoPoller {

    /**
     * Registers a non-blocking channel. Call on the loop thread.
     * @param handler runs on the loop thread with the ready operations
     * @return the key: change its {@code interestOps} to wait for other operations, cancel it to stop
     */
    SelectionKey register(SelectableChannel channel, int interestOps, IoReadiness handler)
            throws ClosedChannelException;
}
