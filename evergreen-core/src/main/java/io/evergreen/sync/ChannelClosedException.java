package io.evergreen.sync;

/**
 * A {@link Channel} was closed: sending is refused, and receiving finds nothing left.
 */
public class ChannelClosedException extends IllegalStateException {

    public ChannelClosedException(String message) {
        super(message);
    }
}
