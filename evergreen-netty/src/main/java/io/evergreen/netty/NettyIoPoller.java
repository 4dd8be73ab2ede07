package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.IoPoller;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The poll phase of an Evergreen loop, done by a Netty {@link ManualIoEventLoop}: the loop thread polls Netty's
 * selector (or epoll set), runs Netty's ready channels and its queued tasks, then goes back to its timers and
 * fibers. A request read by Netty and the fiber that handles it therefore run on one thread, with no hand-off.
 * <p>
 * The Netty loop is owned by the Evergreen loop's thread: {@link #attach} makes that thread its owner, and only
 * that thread drives it. Tasks other threads give it ({@code execute}, a channel write from a fiber) wake the
 * Evergreen loop through Netty's own wake-up.
 */
public class NettyIoPoller implements IoPoller {

    /** How long {@link #close()} lets Netty finish its channels and tasks once the loop stops. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** Where a loop thread waiting for I/O sits: the JDK's selectors, Netty's native transports. */
    private static final Set<String> IO_WAIT_CLASSES = Set.of("sun.nio.ch.EPoll", "sun.nio.ch.KQueue",
            "sun.nio.ch.WEPoll", "io.netty.channel.epoll.Native", "io.netty.channel.kqueue.Native");

    private final ManualIoEventLoop ioLoop;
    private IoHandler handler;
    private EventLoop loop;

    NettyIoPoller(NettyLoopGroup parent, IoHandlerFactory factory) {
        // The handler is made by the Netty loop's constructor: keep it, Evergreen's own channels register with it.
        this.ioLoop = new ManualIoEventLoop(parent, null, executor -> handler = factory.newHandler(executor));
    }

    @Override
    public void attach(EventLoop loop) {
        this.loop = loop;
        ioLoop.setOwningThread(loop.thread());
    }

    /** The Evergreen loop whose thread drives this poller. */
    public EventLoop loop() {
        return loop;
    }

    /** The Netty event loop this poller drives: register Netty channels with it. */
    public IoEventLoop ioEventLoop() {
        return ioLoop;
    }

    IoHandler handler() {
        return handler;
    }

    @Override
    public int poll(long timeoutNanos) {
        if (timeoutNanos == 0) {
            return ioLoop.runNow();
        }
        // ManualIoEventLoop.run: 0 waits until I/O or a task arrives, a positive value at most that long.
        return ioLoop.run(timeoutNanos < 0 ? 0 : timeoutNanos);
    }

    @Override
    public void wakeup() {
        ioLoop.wakeup();
    }

    /** Netty runs its channels' handlers inside the poll: a WebFlux handler that blocks holds the loop there. */
    @Override
    public boolean runsHandlersWhilePolling() {
        return true;
    }

    /** Idle when the loop thread sits in the selector's (or epoll's) native wait. */
    @Override
    public boolean isWaitingForIo(StackTraceElement[] loopThreadStack) {
        if (loopThreadStack.length == 0) {
            return false;
        }
        StackTraceElement top = loopThreadStack[0];
        return top.isNativeMethod() && IO_WAIT_CLASSES.contains(top.getClassName());
    }

    /**
     * On the loop thread, when the loop stops: Netty closes its channels and runs its last tasks. The loop has
     * already run its fibers out, so nothing of Evergreen's waits on these channels any more.
     */
    @Override
    public void close() {
        ioLoop.shutdownGracefully(0, CLOSE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        while (!ioLoop.isTerminated() && System.nanoTime() - deadline < 0) {
            ioLoop.runNow();
        }
    }

    @Override
    public String toString() {
        return "NettyIoPoller[" + (loop == null ? "unattached" : loop.thread().getName()) + ", "
                + (handler == null ? "?" : handler.getClass().getSimpleName()) + "]";
    }
}
