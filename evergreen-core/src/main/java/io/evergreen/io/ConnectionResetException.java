package io.evergreen.io;

import java.net.SocketException;

/**
 * The peer reset the connection (or it broke: a write hit a closed pipe). The stream is closed, its
 * descriptor released, and any fiber waiting on it woken with this exception.
 */
public class ConnectionResetException extends SocketException {

    public ConnectionResetException(String message, Throwable cause) {
        super(message, cause);
    }
}
