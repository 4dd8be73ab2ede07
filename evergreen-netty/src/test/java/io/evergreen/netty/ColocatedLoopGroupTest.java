package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ColocatedLoopGroupTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final NettyLoopGroup netty = NettyLoopGroup.create(EventLoopGroup.builder().loops(3).daemon(true));

    @AfterEach
    void closeLoops() {
        netty.loops().close(WAIT);
    }

    /** The same refusal as the group's own (NettyLoopGroupLifecycleTest): a terminated loop would never answer. */
    @Test
    void aClientChannelRegisteredAfterTerminationFailsWithRejectedExecution() throws Exception {
        netty.loops().close(WAIT);

        ChannelFuture connect = new Bootstrap().group(netty.colocated()).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(new InetSocketAddress("127.0.0.1", 9));
        assertThat(connect.await(WAIT.toMillis())).isTrue();
        assertThat(connect.isSuccess()).isFalse();
        assertThat(connect.cause()).isInstanceOf(RejectedExecutionException.class);
        assertThat(connect.channel().isOpen()).isFalse();
    }

    @Test
    void aFiberGetsTheNettyLoopOfItsOwnLoop() {
        for (EventLoop loop : netty.loops().loops()) {
            IoEventLoop chosen = Fiber.builder().loop(loop).start(() -> netty.colocated().next()).join(WAIT);
            assertThat(chosen).isSameAs(NettyLoopGroup.ioEventLoopOf(loop));
        }
    }

    @Test
    void aLoopThreadGetsItsOwnNettyLoop() throws Exception {
        EventLoop loop = netty.loops().loop(2);
        CompletableFuture<IoEventLoop> chosen = new CompletableFuture<>();
        loop.execute(() -> chosen.complete(netty.colocated().next()));
        assertThat(chosen.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isSameAs(NettyLoopGroup.ioEventLoopOf(loop));
    }

    @Test
    void otherThreadsGetTheRoundRobin() {
        Set<IoEventLoop> chosen = new HashSet<>();
        for (int i = 0; i < netty.loops().size(); i++) {
            chosen.add(netty.colocated().next());
        }
        assertThat(chosen).hasSize(3);
    }

    @Test
    void isTheParentForEverythingButTheChoiceOfLoop() {
        assertThat(netty.colocated().isCompatible(NioIoHandle.class)).isTrue();
        assertThat(netty.colocated()).containsExactlyElementsOf(netty);
        assertThat(netty.colocated().isShuttingDown()).isFalse();
    }

    @Test
    void aConnectionOpenedFromAFiberIsServedByTheFibersLoop() throws Exception {
        Channel server = new ServerBootstrap().group(netty)
            .channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInboundHandlerAdapter())
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
        try {
            EventLoop loop = netty.loops().loop(1);
            Channel client = Fiber.builder().loop(loop).start(() -> new Bootstrap().group(netty.colocated())
                .channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress())
                .sync()
                .channel()).join(WAIT);
            assertThat(netty.loopOf(client.eventLoop())).isSameAs(loop);
            client.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void saysWhyATransportCannotRun() {
        assertThat(NettyTransport.NIO.unavailabilityCause()).isNull();
        assertThat(NettyTransport.EPOLL.unavailabilityCause() == null).isEqualTo(NettyTransport.EPOLL.isAvailable());
    }
}
