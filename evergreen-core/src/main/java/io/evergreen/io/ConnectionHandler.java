package io.evergreen.io;

/**
 * Serves one connection accepted by a {@link TcpServer}, in a fiber of its own. May throw: socket calls
 * throw {@link java.io.IOException}, and a {@code Consumer<TcpStream>} could not. The stream is closed
 * when the handler returns or throws.
 */
@FunctionalInterface
public interface ConnectionHandler {

    void handle(TcpStream stream) throws Exception;
}
