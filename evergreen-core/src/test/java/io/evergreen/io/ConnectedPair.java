package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static io.evergreen.io.Loopback.WAIT;

/**
 * A {@link TcpStream} connected to a plain blocking {@link Socket} peer that the test drives byte by byte
 * from its own thread: the peer writes exactly what a test needs, stops reading, half-closes or resets.
 * The stream lives on loop 0 of a group of its own.
 */
final class ConnectedPair implements AutoCloseable {

    final EventLoopGroup group;
    final TcpStream stream;
    final Socket peer;

    ConnectedPair() throws IOException {
        this(SchedulerMode.LOOP);
    }

    ConnectedPair(SchedulerMode mode) throws IOException {
        group = EventLoopGroup.create(2, mode);
        try (ServerSocket listener = Loopback.plainListener()) {
            stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(listener.getLocalSocketAddress(), CONNECT_TIMEOUT)).join(WAIT);
            peer = listener.accept();
            // A guard against a test that would otherwise hang on the peer, not a timing assumption.
            peer.setSoTimeout((int) WAIT.toMillis());
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** Starts {@code body} in a fiber of the stream's loop. */
    <T> Fiber<T> start(Callable<T> body) {
        return Fiber.builder().loop(group.loop(0)).start(body);
    }

    /** Runs {@code body} in a fiber of the stream's loop and returns its result, or throws what it threw. */
    <T> T inFiber(Callable<T> body) throws Exception {
        try {
            return start(body).join(WAIT);
        } catch (FiberFailedException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The peer writes {@code bytes} and flushes. */
    void peerWrites(byte[] bytes) throws IOException {
        peer.getOutputStream().write(bytes);
        peer.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
        try {
            stream.abort();
            peer.close();
        } finally {
            group.close();
        }
    }
}
