package io.evergreen.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;

import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A Netty client channel on a {@link NettyLoopGroup} that speaks lines: each line it reads goes, without its
 * line feed, to a consumer on the channel's loop thread.
 */
final class LineClientChannel {

    private LineClientChannel() {
    }

    /**
     * Connects and waits for the connection, parking the caller (a fiber parks; the loop it runs on does not).
     * @param onLine gets the channel's handler context and each line read
     */
    static Channel connect(NettyLoopGroup netty, InetSocketAddress server,
            BiConsumer<ChannelHandlerContext, String> onLine) throws InterruptedException {
        return new Bootstrap().group(netty).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new StringDecoder(UTF_8),
                                new StringEncoder(UTF_8), new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                        onLine.accept(ctx, line);
                                    }
                                });
                    }
                })
                .connect(server).sync().channel();
    }
}
