package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Evergreen loops that poll through Netty, as the tests make them: daemon threads, so that a test that fails
 * half way cannot keep the JVM alive, and closed by the test itself.
 */
final class NettyLoops {

    /** Generous: long enough for a loaded 2-core machine, short enough to fail a stuck test quickly. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private NettyLoops() {
    }

    static NettyLoopGroup start(int loops) {
        return start(loops, NettyTransport.NIO);
    }

    static NettyLoopGroup start(int loops, NettyTransport transport) {
        return NettyLoopGroup.create(EventLoopGroup.builder().loops(loops).daemon(true), transport);
    }

    /** Closes the Evergreen loops (and with them Netty's); a group already closed, or none, is left alone. */
    static void close(NettyLoopGroup netty) {
        if (netty != null && !netty.isTerminated()) {
            netty.loops().close(CLOSE_GRACE);
        }
    }

    /** The loopback address with port 0: bind picks a free port. */
    static InetSocketAddress anyLoopbackPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Runs {@code task} as a callback on the loop thread and returns what it returned. */
    static <T> T onLoopThread(EventLoop loop, Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable failure) {
                result.completeExceptionally(failure);
            }
        });
        return result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
