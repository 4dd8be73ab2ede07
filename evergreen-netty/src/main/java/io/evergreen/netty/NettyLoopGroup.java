package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Evergreen's loops seen as a Netty {@link IoEventLoopGroup}: each Evergreen loop drives one Netty event loop in
 * its poll phase (see {@link NettyIoPoller}), so a Netty channel registered here is served by the same thread as the
 * fibers of that loop. Hand it to Netty bootstraps, or to Reactor Netty as its loop resources.
 * <pre>{@code
 * NettyLoopGroup netty = NettyLoopGroup.create(EventLoopGroup.builder().loops(4));
 * new ServerBootstrap().group(netty).channel(NioServerSocketChannel.class) ...
 * EventLoopGroup loops = netty.loops();   // fibers, timers, Evergreen sockets: all on the same threads
 * }</pre>
 * The Evergreen group owns the threads: closing it (or {@link #shutdownGracefully}) stops both.
 */
public final class NettyLoopGroup extends AbstractEventExecutorGroup implements IoEventLoopGroup {

    /** How long a loop may take to end once its poller has closed: the poller's close is its last work. */
    private static final Duration LOOP_END_TIMEOUT = Duration.ofSeconds(10);

    private final NettyTransport transport;
    private final List<NettyIoPoller> created = new ArrayList<>();
    private final AtomicInteger nextIndex = new AtomicInteger();
    /** Pollers made and not yet closed; when the last one closes, the loops are about to end. */
    private final AtomicInteger openPollers = new AtomicInteger();
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final Promise<Void> terminationFuture = GlobalEventExecutor.INSTANCE.newPromise();
    private final ColocatedLoopGroup colocated = new ColocatedLoopGroup(this);
    private EventLoopGroup loops;
    private List<NettyIoPoller> pollers;

    private NettyLoopGroup(NettyTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /** Builds the Evergreen loops with Netty's NIO transport as their poller. */
    public static NettyLoopGroup create(EventLoopGroup.Builder loops) {
        return create(loops, NettyTransport.NIO);
    }

    /**
     * Builds the Evergreen loops with the given Netty transport as their poller (the builder's poller factory is
     * replaced).
     */
    public static NettyLoopGroup create(EventLoopGroup.Builder loops, NettyTransport transport) {
        NettyLoopGroup group = new NettyLoopGroup(transport);
        loops.pollerFactory(group::newPoller);
        group.bind(loops.build());
        return group;
    }

    /** The Netty event loop that an Evergreen loop drives, or null if that loop does not poll through Netty. */
    public static IoEventLoop ioEventLoopOf(EventLoop loop) {
        return loop.poller() instanceof NettyIoPoller poller ? poller.ioEventLoop() : null;
    }

    private synchronized NettyIoPoller newPoller() {
        NettyIoPoller poller = transport.newPoller(this);
        created.add(poller);
        openPollers.incrementAndGet();
        return poller;
    }

    /**
     * Called by each poller as its loop ends, however the loop was stopped: through {@link #shutdownGracefully},
     * or by closing {@link #loops()} directly, which Netty code listening on {@link #terminationFuture()} cannot
     * see. The future completes once the loop threads have ended, so that it agrees with {@link #isTerminated()};
     * they end right after their poller closes, and Netty's global executor waits for that off the loops.
     */
    void pollerClosed() {
        if (openPollers.decrementAndGet() == 0) {
            GlobalEventExecutor.INSTANCE.execute(this::completeTerminationWhenLoopsEnd);
        }
    }

    private void completeTerminationWhenLoopsEnd() {
        try {
            if (awaitTermination(LOOP_END_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
                terminationFuture.trySuccess(null);
            } else {
                terminationFuture.tryFailure(new IllegalStateException(
                        "The loops closed their Netty pollers but did not end within " + LOOP_END_TIMEOUT));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void bind(EventLoopGroup group) {
        List<NettyIoPoller> byIndex = new ArrayList<>(group.size());
        for (EventLoop loop : group.loops()) {
            if (!(loop.poller() instanceof NettyIoPoller poller) || !created.contains(poller)) {
                throw new IllegalStateException(loop + " does not poll through this group's Netty loops");
            }
            byIndex.add(poller);
        }
        this.loops = group;
        this.pollers = List.copyOf(byIndex);
    }

    /** The Evergreen loops behind this group. */
    public EventLoopGroup loops() {
        return loops;
    }

    public NettyTransport transport() {
        return transport;
    }

    /** The Netty event loop of the Evergreen loop with this index. */
    public IoEventLoop ioEventLoop(int loopIndex) {
        return pollers.get(loopIndex).ioEventLoop();
    }

    /**
     * The Evergreen loop whose thread drives this Netty executor (a channel's {@code eventLoop()}, say), or null if
     * it is not one of this group's.
     */
    public EventLoop loopOf(EventExecutor executor) {
        for (NettyIoPoller poller : pollers) {
            if (poller.ioEventLoop() == executor) {
                return poller.loop();
            }
        }
        return null;
    }

    /**
     * This group as clients should use it: its {@code next()} is the Netty loop of the caller's own Evergreen loop
     * when a loop thread or a fiber of this group asks, so that a connection a fiber opens is served by that
     * fiber's loop; other threads get the round robin of {@link #next()}. Servers use the group itself, whose round
     * robin spreads the accepted connections over the loops.
     */
    public IoEventLoopGroup colocated() {
        return colocated;
    }

    /** Round robin, as Netty's own groups do: a connection stays on the loop it was registered with. */
    @Override
    public IoEventLoop next() {
        int index = Math.floorMod(nextIndex.getAndIncrement(), pollers.size());
        return pollers.get(index).ioEventLoop();
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        List<EventExecutor> executors = new ArrayList<>(pollers.size());
        pollers.forEach(poller -> executors.add(poller.ioEventLoop()));
        return executors.iterator();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return pollers.getFirst().ioEventLoop().isCompatible(handleType);
    }

    @Override
    public boolean isIoType(Class<? extends IoHandler> handlerType) {
        return transport.handlerType().equals(handlerType);
    }

    @Override
    public ChannelFuture register(Channel channel) {
        return register(next(), channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        return register(next(), promise);
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return register(next(), promise);
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
        return register(next(), handle);
    }

    /** Registers with the chosen loop, or refuses as {@link #register(IoEventLoop, ChannelPromise)} says. */
    static ChannelFuture register(IoEventLoop loop, Channel channel) {
        if (loop.isShuttingDown()) {
            return rejected(new DefaultChannelPromise(channel, GlobalEventExecutor.INSTANCE), loop);
        }
        return register(loop, new DefaultChannelPromise(channel, loop));
    }

    /** Registers with the chosen loop, or refuses as {@link #register(IoEventLoop, ChannelPromise)} says. */
    static Future<IoRegistration> register(IoEventLoop loop, IoHandle handle) {
        if (loop.isShuttingDown()) {
            return GlobalEventExecutor.INSTANCE.newFailedFuture(shutDown(loop));
        }
        Future<IoRegistration> registration = loop.register(handle);
        if (loop.isTerminated() && !registration.isDone()) {
            return GlobalEventExecutor.INSTANCE.newFailedFuture(shutDown(loop));
        }
        return registration;
    }

    /**
     * A Netty {@code ManualIoEventLoop} that has terminated still takes tasks from other threads and never runs
     * them: its queue cannot hand a task back to reject it. A channel registered with a group whose loops have
     * stopped would then wait for its registration forever. It is refused instead, as Netty's own groups do; a
     * loop that terminates while the registration is handed over is caught by the second look.
     */
    static ChannelFuture register(IoEventLoop loop, ChannelPromise promise) {
        if (loop.isShuttingDown()) {
            return rejected(promise, loop);
        }
        loop.register(promise);
        if (loop.isTerminated() && !promise.isDone()) {
            return rejected(promise, loop);
        }
        return promise;
    }

    private static ChannelFuture rejected(ChannelPromise promise, IoEventLoop loop) {
        promise.channel().unsafe().closeForcibly();
        promise.tryFailure(shutDown(loop));
        return promise;
    }

    private static RejectedExecutionException shutDown(IoEventLoop loop) {
        return new RejectedExecutionException(loop + " has shut down with its Evergreen loop: nothing can be "
                + "registered with it");
    }

    /**
     * Closes the Evergreen loops, and with them Netty's: fibers get {@code timeout} to finish (the quiet period is
     * not used: the loops stop taking work at once). Returns at once; the termination future completes when every
     * loop has stopped.
     */
    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        if (shutdownStarted.compareAndSet(false, true)) {
            Duration grace = Duration.ofNanos(unit.toNanos(timeout));
            Thread.ofPlatform().name("evergreen-netty-shutdown").daemon(true).start(() -> {
                try {
                    loops.close(grace);
                    terminationFuture.trySuccess(null);
                } catch (Throwable failure) {
                    terminationFuture.tryFailure(failure);
                }
            });
        }
        return terminationFuture;
    }

    @Override
    @Deprecated
    public void shutdown() {
        shutdownGracefully(0, EventLoopGroup.DEFAULT_SHUTDOWN_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public Future<?> terminationFuture() {
        if (loops.isTerminated()) {
            terminationFuture.trySuccess(null);
        }
        return terminationFuture;
    }

    /**
     * True from the moment {@link #shutdownGracefully} returns (the loops are closed by a thread of its own, which
     * may not have begun yet), or once the loops were closed directly.
     */
    @Override
    public boolean isShuttingDown() {
        return shutdownStarted.get() || loops.isClosing();
    }

    /**
     * True once every loop has stopped taking work: while fibers have their grace period, the loops still run
     * them and Netty's channels.
     */
    @Override
    public boolean isShutdown() {
        return loops.loops().stream().allMatch(EventLoop::isStopping);
    }

    @Override
    public boolean isTerminated() {
        return loops.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (EventLoop loop : loops.loops()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !loop.awaitTermination(Duration.ofNanos(left))) {
                return loops.isTerminated();
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "NettyLoopGroup[" + transport + ", " + (loops == null ? "unbound" : loops) + "]";
    }
}
