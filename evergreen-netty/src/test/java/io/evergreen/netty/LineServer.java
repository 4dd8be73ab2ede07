package io.evergreen.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;

import java.net.InetSocketAddress;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A Netty server on a {@link NettyLoopGroup} that speaks lines: each line it reads is handed, without its line
 * feed, to a {@link LineHandler} on the channel's loop thread; the handler answers by writing strings (their
 * line feeds included) to the context, from wherever it likes.
 */
final class LineServer implements AutoCloseable {

    private static final int MAX_LINE_BYTES = 8192;

    @FunctionalInterface
    interface LineHandler {
        void onLine(ChannelHandlerContext ctx, String line) throws Exception;
    }

    private final Channel channel;

    private LineServer(Channel channel) {
        this.channel = channel;
    }

    static LineServer bind(NettyLoopGroup netty, LineHandler handler) throws InterruptedException {
        return bind(netty, NioServerSocketChannel.class, handler);
    }

    static LineServer bind(NettyLoopGroup netty, Class<? extends ServerChannel> channelType, LineHandler handler)
            throws InterruptedException {
        Channel channel = new ServerBootstrap().group(netty).channel(channelType)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE_BYTES), new StringDecoder(UTF_8),
                                new StringEncoder(UTF_8), new Lines(handler));
                    }
                })
                .bind(NettyLoops.anyLoopbackPort()).sync().channel();
        return new LineServer(channel);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The listening channel. */
    Channel channel() {
        return channel;
    }

    @Override
    public void close() {
        // Once its loop has stopped the channel is closed already, and closing it again fails harmlessly.
        channel.close().awaitUninterruptibly(NettyLoops.WAIT.toMillis());
    }

    private static final class Lines extends SimpleChannelInboundHandler<String> {

        private final LineHandler handler;

        Lines(LineHandler handler) {
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) throws Exception {
            handler.onLine(ctx, line);
        }
    }
}
