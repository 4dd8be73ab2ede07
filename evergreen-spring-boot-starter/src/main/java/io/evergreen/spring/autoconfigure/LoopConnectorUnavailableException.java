package io.evergreen.spring.autoconfigure;

/**
 * Thrown at start-up when {@code evergreen.web.connector=loop} is set for a server it cannot serve: TLS, or loops
 * whose poller does not serve {@code java.nio} channels. {@link LoopConnectorUnavailableFailureAnalyzer} reports it.
 */
final class LoopConnectorUnavailableException extends IllegalStateException {

    LoopConnectorUnavailableException(String reason) {
        super("evergreen.web.connector=loop cannot serve this server: " + reason);
    }
}
