package io.evergreen.demo.echo;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The demo's echo server ({@code demo.echo.*}).
 *
 * @param enabled whether to run the echo server
 * @param port the TCP port to listen on (0 for any free port)
 * @param maxLineBytes the longest line echoed, its line feed included; a longer one gets an error line and
 *     the connection is closed
 */
@ConfigurationProperties("demo.echo")
public record EchoProperties(Boolean enabled, Integer port, Integer maxLineBytes) {

    public EchoProperties {
        enabled = enabled == null || enabled;
        port = port == null ? 7007 : port;
        maxLineBytes = maxLineBytes == null ? 64 * 1024 : maxLineBytes;
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("demo.echo.port must be between 0 and 65535, was " + port);
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("demo.echo.max-line-bytes must be at least 1, was " + maxLineBytes);
        }
    }
}
