package io.evergreen.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What a {@link NettyLoopGroup} tells Netty about its transport: the I/O handler type its loops run and the
 * channels they can serve, so that Netty (and Reactor Netty) pick matching channel classes and refuse the others.
 */
class NettyTransportTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    private void start(NettyTransport transport) {
        assumeThat(transport.isAvailable()).as(transport + " available here").isTrue();
        netty = NettyLoops.start(1, transport);
    }

    @Test
    void nio_is_available_everywhere() {
        assertThat(NettyTransport.NIO.isAvailable()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void the_group_reports_the_io_type_of_its_transport_and_no_other(NettyTransport transport) {
        start(transport);
        boolean nio = transport == NettyTransport.NIO;
        assertThat(netty.transport()).isEqualTo(transport);
        assertThat(netty.isIoType(NioIoHandler.class)).isEqualTo(nio);
        assertThat(netty.isIoType(EpollIoHandler.class)).isEqualTo(!nio);
        assertThat(netty.ioEventLoop(0).isIoType(nio ? NioIoHandler.class : EpollIoHandler.class)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void the_group_is_compatible_with_the_handles_of_its_transport_only(NettyTransport transport) {
        start(transport);
        boolean nio = transport == NettyTransport.NIO;
        assertThat(netty.isCompatible(NioIoHandle.class)).isEqualTo(nio);
        assertThat(netty.isCompatible(EpollIoHandle.class)).isEqualTo(!nio);
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void a_channel_of_the_other_transport_cannot_be_registered(NettyTransport transport) throws Exception {
        start(transport);
        Class<? extends ServerChannel> foreign = transport == NettyTransport.NIO
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ChannelFuture bind = new ServerBootstrap().group(netty).channel(foreign)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(NettyLoops.anyLoopbackPort());
        assertThat(bind.await(WAIT.toMillis())).isTrue();
        assertThat(bind.isSuccess()).as("bound %s on %s loops", foreign.getSimpleName(), transport).isFalse();
        assertThat(bind.cause()).hasMessageContaining("incompatible event loop type");
    }
}
