package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Evergreen loops own the threads: closing them closes Netty's loops and channels, and Netty's own shutdown
 * of the group closes the Evergreen loops, giving running fibers their grace period first. Afterwards nothing
 * can be registered or started on the group, and it says so with an exception rather than a hang.
 */
class NettyLoopGroupLifecycleTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void closing_the_evergreen_loops_closes_netty_channels_and_terminates_the_group() throws Exception {
        netty = NettyLoops.start(2);
        Future<?> termination = netty.terminationFuture();
        LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush("still here\n"));
        try (LineClient client = new LineClient(server.address())) {
            assertThat(client.exchange("hello")).isEqualTo("still here");

            netty.loops().close(Duration.ofSeconds(5));

            assertThat(server.channel().closeFuture().await(WAIT.toMillis())).isTrue();
            assertThat(server.channel().isOpen()).isFalse();
            assertThat(client.readToEnd()).as("what the client reads until end of stream").isEmpty();
        }
        assertThat(netty.isTerminated()).isTrue();
        assertThat(netty.isShutdown()).isTrue();
        assertThat(termination.await(WAIT.toMillis())).as("termination future taken before the close").isTrue();
        assertThat(termination.isSuccess()).isTrue();
        assertThat(netty.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        for (int i = 0; i < 2; i++) {
            assertThat(netty.ioEventLoop(i).isTerminated()).isTrue();
        }
    }

    @Test
    void netty_shutdown_gracefully_closes_the_evergreen_loops() throws Exception {
        netty = NettyLoops.start(2);
        Future<?> shutdown = netty.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        assertThat(netty.isShuttingDown()).isTrue();
        assertThat(shutdown.await(WAIT.toMillis())).isTrue();
        assertThat(shutdown.isSuccess()).isTrue();
        assertThat(netty.terminationFuture()).isSameAs(shutdown);
        assertThat(netty.loops().isTerminated()).isTrue();
        for (EventLoop loop : netty.loops().loops()) {
            assertThat(loop.thread().isAlive()).as(loop + " alive").isFalse();
        }
        assertThat(netty.shutdownGracefully(0, 5, TimeUnit.SECONDS)).as("a second shutdown").isSameAs(shutdown);
    }

    @Test
    void a_fiber_still_running_at_shutdown_finishes_its_answer_within_the_grace_period() throws Exception {
        netty = NettyLoops.start(2);
        CountDownLatch fiberRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LineServer server = LineServer.bind(netty, (ctx, line) ->
                Fiber.builder().loop(netty.loopOf(ctx.channel().eventLoop())).start(() -> {
                    fiberRunning.countDown();
                    release.await();
                    ctx.writeAndFlush("finished " + line + " during shutdown\n");
                    return null;
                }));
        try (LineClient client = new LineClient(server.address())) {
            client.send("work");
            assertThat(fiberRunning.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            Future<?> shutdown = netty.shutdownGracefully(0, WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(netty.isShuttingDown()).isTrue();
            assertThat(netty.isShutdown()).as("loops stopped with a fiber running").isFalse();
            assertThat(shutdown.isDone()).as("shut down with a fiber running").isFalse();
            release.countDown();

            assertThat(client.readLine()).isEqualTo("finished work during shutdown");
            assertThat(shutdown.await(WAIT.toMillis())).isTrue();
            assertThat(client.readToEnd()).isEmpty();
        }
        assertThat(netty.isTerminated()).isTrue();
    }

    /**
     * Netty closes its channels as soon as its loop shuts down, dropping writes still queued, as Netty's own
     * loops do: a fiber that must deliver a large answer waits for its write to complete, which keeps it alive,
     * and so within the grace period, until the last byte has left.
     */
    @Test
    void a_fiber_that_waits_for_its_write_delivers_a_large_answer_in_full_during_shutdown() throws Exception {
        netty = NettyLoops.start(1);
        String large = "x".repeat(8 * 1024 * 1024);
        CountDownLatch fiberRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LineServer server = LineServer.bind(netty, (ctx, line) ->
                Fiber.builder().loop(netty.loopOf(ctx.channel().eventLoop())).start(() -> {
                    fiberRunning.countDown();
                    release.await();
                    ctx.writeAndFlush(large).sync();
                    return null;
                }));
        try (LineClient client = new LineClient(server.address())) {
            client.send("large");
            assertThat(fiberRunning.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            Future<?> shutdown = netty.shutdownGracefully(0, WAIT.toSeconds(), TimeUnit.SECONDS);
            release.countDown();
            assertThat(client.readToEnd()).hasSize(large.length());
            assertThat(shutdown.await(WAIT.toMillis())).isTrue();
        }
    }

    @Test
    void a_fiber_that_outlives_the_grace_period_is_cancelled_and_the_loops_still_stop() throws Exception {
        netty = NettyLoops.start(1);
        CountDownLatch never = new CountDownLatch(1);
        Fiber<Void> stuck = Fiber.builder().loop(netty.loops().loop(0)).start(() -> {
            never.await();
            return null;
        });
        await().atMost(WAIT).until(() -> stuck.state() == FiberState.PARKED);
        Future<?> shutdown = netty.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
        assertThat(shutdown.await(WAIT.toMillis())).isTrue();
        assertThat(stuck.state()).isEqualTo(FiberState.CANCELLED);
        assertThat(netty.isTerminated()).isTrue();
    }

    /**
     * Each Netty loop is Netty API too, and can be shut down on its own, bypassing the group: its Evergreen loop
     * must then neither spin on a Netty loop that no longer waits nor stop serving its timers and fibers.
     */
    @Test
    void an_evergreen_loop_whose_netty_loop_was_shut_down_alone_sleeps_and_keeps_running_fibers() throws Exception {
        netty = NettyLoops.start(1);
        EventLoop loop = netty.loops().loop(0);
        assertThat(netty.ioEventLoop(0).shutdownGracefully(0, 1, TimeUnit.SECONDS).await(WAIT.toMillis())).isTrue();

        // Asleep, not spinning: a loop thread that polls a terminated Netty loop in a row never waits.
        await().atMost(WAIT).until(() -> loop.thread().getState() == Thread.State.WAITING);
        Fiber<String> fiber = Fiber.builder().loop(loop).start(() -> {
            Fiber.sleep(Duration.ofMillis(10));
            return "slept";
        });
        assertThat(fiber.join(WAIT)).isEqualTo("slept");
        CompletableFuture<String> timer = new CompletableFuture<>();
        loop.callLater(Duration.ofMillis(10), () -> timer.complete("fired"));
        assertThat(timer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("fired");

        netty.loops().close(Duration.ofSeconds(5));
        assertThat(netty.terminationFuture().await(WAIT.toMillis())).isTrue();
    }

    @Test
    void registering_a_channel_after_termination_fails_with_rejected_execution() throws Exception {
        netty = NettyLoops.start(1);
        netty.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(WAIT.toMillis());

        ChannelFuture bind = new ServerBootstrap().group(netty).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(NettyLoops.anyLoopbackPort());
        assertThat(bind.await(WAIT.toMillis())).isTrue();
        assertThat(bind.isSuccess()).isFalse();
        assertThat(bind.cause()).isInstanceOf(RejectedExecutionException.class);
        assertThat(bind.channel().isOpen()).isFalse();
    }

    /**
     * Evergreen refuses callbacks and fibers. (Netty's {@code ManualIoEventLoop.execute} from another thread is
     * not checked here: once terminated it drops the task silently, as its queue cannot take one back to reject
     * it; the group guards the registrations, which would otherwise wait forever.)
     */
    @Test
    void callbacks_and_fibers_handed_to_a_terminated_group_are_rejected() throws Exception {
        netty = NettyLoops.start(1);
        netty.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(WAIT.toMillis());
        EventLoop loop = netty.loops().loop(0);

        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> Fiber.builder().loop(loop).start(() -> "late"))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void closing_the_loops_completes_a_termination_listener_added_before() throws Exception {
        netty = NettyLoops.start(2);
        CompletableFuture<Boolean> notified = new CompletableFuture<>();
        netty.terminationFuture().addListener(future -> notified.complete(future.isSuccess()));
        netty.loops().close(Duration.ofSeconds(5));
        assertThat(notified.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
}
