package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.LoopWitness.Sighting;
import io.evergreen.demo.webflux.DemoHttp.RawAnswer;
import io.evergreen.loop.EventLoop;
import io.evergreen.netty.NettyTransport;
import io.netty.channel.socket.nio.NioSocketChannel;

import io.evergreen.spring.FiberHandlerAdapter;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking handler runs on a fiber whose loop is the loop whose thread read the request: Reactor Netty's
 * connections are served by Evergreen's loops, and WebFlux's blocking executor, the FiberExecutor, starts the fiber
 * on the loop it is called from. Reactive handlers stay on the loop thread.
 */
class BlockingHandlersOnFibersTests extends AbstractDemoWebFluxTests {

    private static final int CONNECTIONS = 8;

    @Autowired
    ApplicationContext context;

    /**
     * The DispatcherHandler asks its adapters in this order: Evergreen's takes blocking controller methods before
     * WebFlux's own, so that their arguments are resolved on the fiber, not on the loop thread.
     */
    @Test
    void blockingControllerMethodsGoToEvergreensAdapterFirst() {
        List<HandlerAdapter> adapters = new ArrayList<>(context.getBeansOfType(HandlerAdapter.class).values());
        AnnotationAwareOrderComparator.sort(adapters);

        assertThat(adapters.getFirst()).isInstanceOf(FiberHandlerAdapter.class);
        assertThat(adapters).hasAtLeastOneElementOfType(RequestMappingHandlerAdapter.class);
    }

    @Test
    void aBlockingGetMappingReturningAStringRunsOnAFiberOfTheLoopWhoseThreadReadTheRequest() throws Exception {
        Set<EventLoop> readingLoops = new HashSet<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            String name = "where-" + i;
            RawAnswer answer = DemoHttp.getOnNewConnection(port, "/probe/where?n=" + name);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo(name);

            Sighting seen = witness.sighting(name);
            assertThat(seen.readBy()).as("the loop whose thread read %s", name).isNotNull();
            assertThat(seen.readBy().group()).isSameAs(group);
            assertThat(netty.loopOf(seen.channel().eventLoop())).as("the loop of the connection").isSameAs(seen.readBy());
            assertThat(seen.readOn()).isSameAs(seen.readBy().thread());
            assertThat(seen.fiber()).as("the handler's fiber").isNotNull();
            assertThat(seen.fiber().name()).as("named after the request, without its query").isEqualTo("GET /probe/where");
            assertThat(seen.fiberLoop()).as("the fiber's loop").isSameAs(seen.readBy());
            assertThat(seen.handlerLoop()).isSameAs(seen.readBy());
            assertThat(seen.handlerThread().isVirtual()).as("the handler runs on a virtual thread").isTrue();
            assertThat(seen.handlerThread()).isNotSameAs(seen.readOn());
            readingLoops.add(seen.readBy());
        }
        assertThat(readingLoops).as("connections spread over the loops").containsExactlyInAnyOrderElementsOf(group.loops());
    }

    /** Its arguments are read asynchronously, on the connection's loop: the fiber still starts on that loop. */
    @Test
    void aBlockingHandlerWithARequestBodyRunsOnAFiberOfTheLoopThatReadIt() throws Exception {
        for (int i = 0; i < CONNECTIONS; i++) {
            String name = "posted-" + i;
            String json = "{\"text\":\"" + "x".repeat(64 * 1024) + "\"}";
            HttpResponse<String> answer = http.postJson("/probe/where?n=" + name, json);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo(name + " read " + json.length() + " characters");

            Sighting seen = witness.sighting(name);
            assertThat(seen.fiber()).isNotNull();
            assertThat(seen.fiberLoop()).isSameAs(netty.loopOf(seen.channel().eventLoop())).isSameAs(seen.readBy());
        }
    }

    /** Reactor Netty prefers the native transport, which is on this class path: the loops' own is used instead. */
    @Test
    void theConnectionsAreOfTheLoopsTransport() throws Exception {
        assertThat(LoopResources.hasNativeSupport()).as("epoll available to Reactor Netty").isTrue();
        assertThat(netty.transport()).isEqualTo(NettyTransport.NIO);
        DemoHttp.getOnNewConnection(port, "/probe/where?n=transport");
        assertThat(witness.sighting("transport").channel()).isInstanceOf(NioSocketChannel.class);
    }

    @Test
    void aReactiveHandlerIsLeftOnTheLoopThread() throws Exception {
        HttpResponse<String> answer = http.get("/probe/reactive/echo?ms=0&n=r");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("reactive r fiber=false");
    }
}
