package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.LoopWitness.ClientSighting;
import io.evergreen.demo.webflux.DemoHttp.RawAnswer;
import io.evergreen.loop.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking handler calls the application back with a WebClient and waits for the answer on its fiber. The
 * client's connections run on Evergreen's loops (the ReactorResourceFactory's loop resources), and a connection a
 * fiber opens is served by that fiber's own loop.
 */
class WebClientFromBlockingHandlersTests extends AbstractDemoWebFluxTests {

    @Test
    void springBootsWebClientWorksFromABlockingHandlerAndReceivesOnTheLoops() throws Exception {
        for (int i = 0; i < 4; i++) {
            String name = "wc-" + i;
            HttpResponse<String> answer = http.get("/probe/webclient?n=" + name);

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("reactive " + name + " fiber=false / Hello, World!");
            ClientSighting call = witness.clientSighting(name);
            assertThat(call.answeredOn()).as("the loop that received the answer").isNotNull();
            assertThat(call.answeredOn().group()).isSameAs(group);
            assertThat(call.answeredOnThread()).as("the loop's own thread, not a fiber").isSameAs(call.answeredOn().thread());
        }
    }

    @Test
    void aConnectionAFiberOpensIsServedByThatFibersLoop() throws Exception {
        Map<EventLoop, KeepAliveConnection> connections = KeepAliveConnections.onEachLoop(port, witness, group);
        try {
            for (int i = 0; i < 6; i++) {
                EventLoop loop = group.loop(i % 2);
                String name = "nc-" + i;
                RawAnswer answer = connections.get(loop).get("/probe/new-connection?n=" + name);

                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("reactive " + name + " fiber=false");
                ClientSighting call = witness.clientSighting(name);
                assertThat(call.callerLoop()).isSameAs(loop);
                assertThat(call.channel()).isInstanceOf(NioSocketChannel.class);
                assertThat(netty.loopOf(call.channel().eventLoop())).as("the client connection's loop").isSameAs(loop);
                assertThat(call.answeredOn()).isSameAs(loop);
            }
        } finally {
            for (KeepAliveConnection connection : connections.values()) {
                connection.close();
            }
        }
    }
}
