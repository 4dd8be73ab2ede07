package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class NettyLoopGroupSmokeTest {

    @Test
    void nettyChannelReadRunsOnTheLoopThreadAndAFiberOfThatLoopAnswers() throws Exception {
        NettyLoopGroup netty = NettyLoopGroup.create(EventLoopGroup.builder().loops(2).daemon(true));
        List<String> seen = new CopyOnWriteArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(netty).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                EventLoop loop = EventLoop.current();
                                seen.add("read on " + Thread.currentThread().getName() + " loop " + loop.index()
                                        + " owner " + netty.loopOf(ctx.channel().eventLoop()).index());
                                ByteBuf in = (ByteBuf) msg;
                                String text = in.toString(StandardCharsets.UTF_8);
                                in.release();
                                Fiber.builder().loop(loop).start(() -> {
                                    Fiber.sleep(Duration.ofMillis(5));
                                    seen.add("fiber on loop " + Fiber.current().loop().index());
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("echo " + text, StandardCharsets.UTF_8));
                                    return null;
                                });
                            }
                        });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                out.write("hi\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream()));
                assertThat(in.readLine()).isEqualTo("echo hi");
            }
            System.out.println(seen);
            server.close().sync();
        } finally {
            netty.loops().close(Duration.ofSeconds(5));
        }
        assertThat(netty.isTerminated()).isTrue();
    }
}
