package io.evergreen.io;

import java.nio.channels.AsynchronousCloseException;

/**
 * The stream was closed, by another fiber or thread while this one waited on it, or before the call.
 * A subclass of the JDK's {@link AsynchronousCloseException}, with a message that says what happened.
 */
public class StreamClosedException extends AsynchronousCloseException {

    private final String message;

    public StreamClosedException(String message) {
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
