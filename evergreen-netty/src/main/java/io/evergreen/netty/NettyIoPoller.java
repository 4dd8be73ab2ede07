package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.IoPoller;
import io.evergreen.loop.LoopLog;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The poll phase of an Evergreen loop, done by a Netty {@link ManualIoEventLoop}: the loop thread polls Netty's
 * selector (or epoll set), runs Netty's ready channels and its queued tasks, then goes back to its timers and
 * fibers. A request read by Netty and the fiber that handles it therefore run on one thread, with no hand-off.
 * <p>
 * The Netty loop is owned by the Evergreen loop's thread: {@link #attach} makes that thread its owner, and only
 * that thread drives it. A fiber that answers a request hands its write to Netty's task queue, as any thread
 * outside the event loop does, but without waking the loop (see {@link FiberAwareIoEventLoop}). Tasks that other
 * threads give it wake the Evergreen loop through {@link #wakeup()}.
 */
public class NettyIoPoller implements IoPoller {

    /** How long {@link #close()} lets Netty finish its channels and tasks once the loop stops. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** Where a loop thread waiting for I/O sits: the JDK's selectors, Netty's native transports. */
    private static final Set<String> IO_WAIT_CLASSES = Set.of("sun.nio.ch.EPoll", "sun.nio.ch.KQueue",
            "sun.nio.ch.WEPoll", "io.netty.channel.epoll.Native", "io.netty.channel.kqueue.Native");

    private static final Runnable WAKE_UP = () -> { };

    private static final System.Logger LOG = System.getLogger(NettyIoPoller.class.getName());

    private final NettyLoopGroup group;
    private final ManualIoEventLoop ioLoop;
    private IoHandler handler;
    /** Set once, by {@link #attach}, before the loop thread starts; read by any thread through Netty's checks. */
    private volatile EventLoop loop;
    /** Loop thread only. */
    private boolean warnedNettyGone;

    NettyIoPoller(NettyLoopGroup parent, IoHandlerFactory factory) {
        this.group = parent;
        // The handler is made by the Netty loop's constructor: keep it, Evergreen's own channels register with it.
        this.ioLoop = new FiberAwareIoEventLoop(parent, executor -> handler = factory.newHandler(executor));
    }

    /**
     * A Netty event loop that knows a fiber of its Evergreen loop needs no wake-up. That fiber runs on the loop's
     * thread, and only while Netty does not: a task it queues (a channel write, say) is seen by the loop's next
     * poll, which then does not wait. So Netty's handler skips the wake-up it would write to its selector's (or
     * epoll's) wake-up descriptor, a system call per response written by a fiber.
     * <p>
     * {@code inEventLoop()} stays false for fibers: they may block, and Netty refuses a blocking wait on a future
     * ({@code sync()}, {@code await()}) from its event loop, rightly so for its own thread. A fiber's writes still
     * go through the task queue, which also keeps Netty's handlers off fibers that may park midway.
     */
    private final class FiberAwareIoEventLoop extends ManualIoEventLoop {

        FiberAwareIoEventLoop(NettyLoopGroup parent, IoHandlerFactory factory) {
            super(parent, null, factory);
        }

        /** Asked by Netty's I/O handlers only, to decide whether a task queued by this thread must wake them. */
        @Override
        public boolean isExecutorThread(Thread thread) {
            EventLoop owner = loop;
            return owner != null ? thread == owner.thread() || thread == owner.mountedThread()
                    : super.isExecutorThread(thread);
        }
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
        if (ioLoop.isTerminated()) {
            return sleepWithoutNetty(timeoutNanos);
        }
        if (timeoutNanos == 0) {
            return ioLoop.runNow();
        }
        // ManualIoEventLoop.run: 0 waits until I/O or a task arrives, a positive value at most that long.
        return ioLoop.run(timeoutNanos < 0 ? 0 : timeoutNanos);
    }

    /**
     * Wakes the loop by handing Netty an empty task rather than calling {@code ioLoop.wakeup()}: Netty's handlers
     * decide whether to sleep from Netty's own task queue, which holds none of the Evergreen callbacks this
     * wake-up is for. The epoll handler skips its eventfd write while it looks awake, so a bare wake-up that
     * falls between the Evergreen loop's last look at its queue and the handler's arming of its sleep is lost,
     * and the loop sleeps on a pending callback. A queued task is what the handler checks after arming: it then
     * does not sleep, or the wake-up finds it armed and writes.
     */
    @Override
    public void wakeup() {
        try {
            ioLoop.execute(WAKE_UP);
        } catch (RejectedExecutionException terminated) {
            // Netty's loop has shut down: the loop thread sleeps without it, woken below.
        }
        if (ioLoop.isTerminated()) {
            LockSupport.unpark(loop.thread());
        }
    }

    /**
     * Netty's loop was shut down on its own ({@code shutdownGracefully} is Netty API, and final), while the
     * Evergreen loop runs on: Netty's run no longer waits for anything, and polling it would spin the thread. The
     * loop sleeps on its own instead, woken by {@link #wakeup()}, and goes on with its timers and fibers. Netty
     * closed its channels as it shut down, Evergreen's in its selector too; the group is the thing to shut down.
     */
    private int sleepWithoutNetty(long timeoutNanos) {
        if (!warnedNettyGone) {
            warnedNettyGone = true;
            LoopLog.log(LOG, System.Logger.Level.WARNING, ioLoop + " was shut down on its own; " + loop
                    + " goes on without Netty I/O. Shut down the NettyLoopGroup, or close its Evergreen loops, instead",
                    null);
        }
        if (timeoutNanos < 0) {
            LockSupport.park(this);
        } else if (timeoutNanos > 0) {
            LockSupport.parkNanos(this, timeoutNanos);
        }
        return 0;
    }

    /** Netty runs its channels' handlers inside the poll: a WebFlux handler that blocks holds the loop there. */
    @Override
    public boolean runsHandlersWhilePolling() {
        return true;
    }

    /** Idle when the loop thread sits in the selector's (or epoll's) native wait. */
    @Override
    public boolean isWaitingForIo(StackTraceElement[] loopThreadStack) {
        if (ioLoop.isTerminated()) {
            return true; // parked without Netty: see sleepWithoutNetty
        }
        if (loopThreadStack.length == 0) {
            return false;
        }
        StackTraceElement top = loopThreadStack[0];
        return top.isNativeMethod() && IO_WAIT_CLASSES.contains(top.getClassName());
    }

    /**
     * On the loop thread, when the loop stops: Netty closes its channels and runs its last tasks. The loop has
     * already run its fibers out, so nothing of Evergreen's waits on these channels any more. The group learns of
     * it even when Netty did not finish in time: the loop ends either way.
     */
    @Override
    public void close() {
        try {
            ioLoop.shutdownGracefully(0, CLOSE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
            while (!ioLoop.isTerminated() && System.nanoTime() - deadline < 0) {
                ioLoop.runNow();
            }
        } finally {
            group.pollerClosed();
        }
    }

    @Override
    public String toString() {
        return "NettyIoPoller[" + (loop == null ? "unattached" : loop.thread().getName()) + ", "
                + (handler == null ? "?" : handler.getClass().getSimpleName()) + "]";
    }
}
