package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.LoopWatchdog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Netty runs its channels' handlers inside the loop's poll phase. The watchdog must still tell a loop idle in its
 * selector from one held by a handler that blocks there.
 */
class NettyLoopWatchdogTest {

    private static final Duration THRESHOLD = Duration.ofMillis(50);

    private NettyLoopGroup netty;
    private LoopWatchdog watchdog;

    @BeforeEach
    void start() {
        netty = NettyLoopGroup.create(EventLoopGroup.builder().loops(2).daemon(true));
        watchdog = LoopWatchdog.start(netty.loops(), THRESHOLD);
    }

    @AfterEach
    void stop() {
        watchdog.close();
        netty.loops().close(Duration.ofSeconds(5));
    }

    @Test
    void loops_idle_in_nettys_selector_are_not_reported_blocked() {
        await().during(Duration.ofMillis(20 * THRESHOLD.toMillis())).atMost(Duration.ofSeconds(10))
                .until(() -> watchdog.blockedCount() == 0);
    }

    @Test
    void a_netty_handler_that_holds_the_loop_is_reported_with_its_stack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<EventLoop> heldLoop = new AtomicReference<>();
        Channel server = new ServerBootstrap().group(netty).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HoldingHandler(release, heldLoop));
                }
            }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort())) {
            client.getOutputStream().write('x');

            await().atMost(Duration.ofSeconds(10)).until(() -> heldLoop.get() != null
                    && watchdog.isBlocked(heldLoop.get().index()));
            BlockedLoopEvent event = watchdog.currentIncident(heldLoop.get().index());
            assertThat(event.blockedByFiber()).isFalse();
            assertThat(event.stack()).anySatisfy(frame -> {
                assertThat(frame.getClassName()).isEqualTo(HoldingHandler.class.getName());
                assertThat(frame.getMethodName()).isEqualTo("channelRead");
            });

            release.countDown();
            InputStream in = client.getInputStream();
            assertThat(in.read()).isEqualTo('y');
            await().atMost(Duration.ofSeconds(10)).until(() -> !watchdog.isBlocked(heldLoop.get().index()));
        } finally {
            release.countDown();
            server.close().sync();
        }
    }

    /** Blocks its loop thread in {@code channelRead} until released, as a careless WebFlux handler would. */
    static final class HoldingHandler extends ChannelInboundHandlerAdapter {

        private final CountDownLatch release;
        private final AtomicReference<EventLoop> heldLoop;

        HoldingHandler(CountDownLatch release, AtomicReference<EventLoop> heldLoop) {
            this.release = release;
            this.heldLoop = heldLoop;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) throws Exception {
            ((ByteBuf) message).release();
            heldLoop.set(EventLoop.current());
            release.await();
            context.writeAndFlush(Unpooled.copiedBuffer("y", StandardCharsets.US_ASCII));
        }
    }
}
