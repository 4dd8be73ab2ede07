package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.LoopWitness;
import io.evergreen.demo.probe.LoopWitness.ClientSighting;
import io.evergreen.demo.probe.LoopWitness.Sighting;
import io.evergreen.demo.probe.ProbeConfiguration;
import io.evergreen.demo.webflux.DemoHttp.RawAnswer;
import io.evergreen.loop.EventLoop;
import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.netty.NettyTransport;
import io.netty.channel.epoll.EpollSocketChannel;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code evergreen.netty.transport=epoll} (Netty's native epoll comes with Reactor Netty here): the loops poll with
 * epoll, the server's and the clients' connections are epoll channels, and blocking handlers still run on a fiber of
 * the loop that read the request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "evergreen.netty.transport=epoll", "evergreen.loops=2" })
@Import(ProbeConfiguration.class)
class EpollTransportTests implements SameEndpointsAsDemoApp {

    @LocalServerPort
    int port;

    @Autowired
    NettyLoopGroup netty;

    @Autowired
    LoopWitness witness;

    DemoHttp http;

    /** Before the application starts: off Linux, or without the native library, it would not. */
    @BeforeAll
    static void epollCanRunHere() {
        assumeTrue(NettyTransport.EPOLL.isAvailable(), "epoll: " + NettyTransport.EPOLL.unavailabilityCause());
    }

    @BeforeEach
    void openHttp() {
        http = new DemoHttp(port);
    }

    @AfterEach
    void closeHttp() {
        http.close();
    }

    @Override
    public DemoHttp http() {
        return http;
    }

    @Test
    void blockingHandlersRunOnAFiberOfTheLoopThatReadTheRequestOnAnEpollConnection() throws Exception {
        assertThat(netty.transport()).isEqualTo(NettyTransport.EPOLL);
        for (int i = 0; i < 4; i++) {
            String name = "epoll-" + i;
            RawAnswer answer = DemoHttp.getOnNewConnection(port, "/probe/where?n=" + name);
            assertThat(answer.body()).isEqualTo(name);
            Sighting seen = witness.sighting(name);
            assertThat(seen.channel()).isInstanceOf(EpollSocketChannel.class);
            assertThat(seen.readBy()).isSameAs(netty.loopOf(seen.channel().eventLoop()));
            assertThat(seen.fiberLoop()).isSameAs(seen.readBy());
            assertThat(seen.handlerThread().isVirtual()).isTrue();
        }
    }

    @Test
    void aConnectionAFiberOpensIsAnEpollChannelOfThatFibersLoop() throws Exception {
        Map<EventLoop, KeepAliveConnection> connections = KeepAliveConnections.onEachLoop(port, witness, netty.loops());
        try {
            for (EventLoop loop : netty.loops().loops()) {
                String name = "epoll-client-" + loop.index();
                assertThat(connections.get(loop).get("/probe/new-connection?n=" + name).body())
                    .isEqualTo("reactive " + name + " fiber=false");
                ClientSighting call = witness.clientSighting(name);
                assertThat(call.channel()).isInstanceOf(EpollSocketChannel.class);
                assertThat(netty.loopOf(call.channel().eventLoop())).isSameAs(loop);
                assertThat(call.answeredOn()).isSameAs(loop);
            }
        } finally {
            for (KeepAliveConnection connection : connections.values()) {
                connection.close();
            }
        }
    }
}
