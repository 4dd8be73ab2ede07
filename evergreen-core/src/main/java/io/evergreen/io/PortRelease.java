package io.evergreen.io;

import io.evergreen.loop.EventLoop;
import io.evergreen.sync.Result;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * Waits, after a bound channel is closed, until its port is free again. The JDK keeps the socket of a channel
 * registered with a selector open until that selector deregisters the channel, in its next poll: a server closed
 * off its loop and bound again at once (a restart, a test, a context refresh) would find its port still taken, and
 * clients would meet a listener that no longer accepts. {@link TcpServer#close} and {@link UdpEndpoint#close} wait
 * here, so that when they return the port can be bound again.
 */
final class PortRelease {

    /** A loop held longer than this (by a callback or fiber that does not yield) is not waited for. */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(5);

    private PortRelease() {
    }

    /**
     * After closing a channel registered with {@code loop}'s selector: returns once that selector has polled, and so
     * released the socket. Returns at once on a loop thread outside a fiber, which must not wait for any loop (its own
     * loop polls right after the current callbacks); the waiting fiber of the same loop parks meanwhile.
     */
    static void awaitRelease(EventLoop loop) {
        if (EventLoop.onLoopThread()) {
            loop.releaseClosedChannels();
            return;
        }
        Result<Void> released = new Result<>();
        try {
            loop.afterNextPoll(() -> released.complete(null)); // that poll deregistered the channel
        } catch (RejectedExecutionException terminated) {
            return; // the loop has closed its selector, and with it every channel registered there
        }
        released.awaitDone(WAIT_LIMIT);
    }
}
