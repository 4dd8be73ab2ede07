package io.evergreen.demo.echo;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The demo's echo server ({@code demo.echo.*}).
 *
 * @param enabled whether to run the echo server
 * @param port the TCP port to listen on (0 for any free port)
 * @param maxLineBytes the longest line echoed, its line feed included; a longer one gets an error line and
 *     the connection is closed
 * @param idleTimeout how long a connection may wait for its client, to send a line or to read its echo, before
 *     it is closed
 */
@ConfigurationProperties("demo.echo")
public record EchoProperties(Boolean enabled, Integer port, Integer maxLineBytes, Duration idleTimeout) {

    public EchoProperties {
        enabled = enabled == null || enabled;
        port = port == null ? 7007 : port;
        maxLineBytes = maxLineBytes == null ? 64 * 1024 : maxLineBytes;
        idleTimeout = idleTimeout == null ? Duration.ofMinutes(5) : idleTimeout;
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("demo.echo.port must be between 0 and 65535, was " + port);
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("demo.echo.max-line-bytes must be at least 1, was " + maxLineBytes);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("demo.echo.idle-timeout must be positive, was " + idleTimeout);
        }
    }
}
