package io.evergreen.demo.echo;

import io.evergreen.fiber.Fiber;
import io.evergreen.io.ReadLimitExceededException;
import io.evergreen.io.TcpServer;
import io.evergreen.io.TcpStream;
import io.evergreen.loop.EventLoopGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * A line echo server on Evergreen's own sockets ({@link TcpServer}): each connection is a fiber that reads a
 * line and writes it back, in blocking style, on the application's loops. Try {@code nc localhost 7007}.
 */
@Component
@ConditionalOnBooleanProperty(name = "demo.echo.enabled", matchIfMissing = true)
public class EchoServer implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(EchoServer.class);

    private final EventLoopGroup group;
    private final EchoProperties properties;
    private volatile TcpServer server;

    /**
     * Serves on the application's loops; with {@code evergreen.enabled=false} (no loops in the context) on the
     * default group of fibers, which Evergreen creates on first use.
     */
    public EchoServer(ObjectProvider<EventLoopGroup> group, EchoProperties properties) {
        this.group = group.getIfAvailable(Fiber::defaultGroup);
        this.properties = properties;
    }

    @Override
    public void start() {
        try {
            server = TcpServer.bind(group, new InetSocketAddress(properties.port()), this::echo);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the echo server on port " + properties.port(), e);
        }
        logger.info("Echo server listening on {}", server.localAddress());
    }

    /**
     * Idle connections are closed after the idle timeout, whichever way they idle: a client that stops sending,
     * and one that stops reading its echoes (its unread echoes fill the socket and the write queue, and the
     * write waits). A demo should not collect forgotten sockets, nor their fibers and buffers.
     */
    private void echo(TcpStream stream) throws IOException {
        stream.readTimeout(properties.idleTimeout()).writeTimeout(properties.idleTimeout());
        try {
            try {
                for (String line; (line = stream.readLine(properties.maxLineBytes())) != null; ) {
                    stream.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (ReadLimitExceededException tooLong) {
                stream.write(("error: line longer than " + properties.maxLineBytes() + " bytes\n").getBytes(StandardCharsets.UTF_8));
            }
            stream.flush();
        } catch (SocketTimeoutException idle) {
            // A graceful close would wait the write timeout again, for echoes nobody reads.
            stream.abort();
            throw idle;
        }
    }

    /** The port the server listens on (the chosen one when configured with 0). */
    public int port() {
        TcpServer current = server;
        if (current == null) {
            throw new IllegalStateException("The echo server is not running");
        }
        return current.localAddress().getPort();
    }

    @Override
    public void stop() {
        TcpServer current = server;
        if (current != null) {
            current.close(Duration.ofSeconds(5));
            server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** Stops before the loops do (the starter's loop life cycle has a lower phase). */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 2048;
    }
}
