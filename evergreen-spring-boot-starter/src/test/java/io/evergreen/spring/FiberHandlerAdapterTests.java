package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class FiberHandlerAdapterTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = EventLoopGroup.create(1);
    private final RecordingAdapter webFlux = new RecordingAdapter();
    private final FiberHandlerAdapter adapter = new FiberHandlerAdapter(() -> webFlux,
            new BlockingHandlerExecutor(new FiberExecutor(group)));
    private final ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/42?user=ann"));

    @AfterEach
    void closeGroup() {
        group.close(WAIT);
    }

    @Test
    void itTakesBlockingControllerMethodsAndLeavesReactiveOnesToWebFlux() throws Exception {
        assertThat(adapter.supports(handler("blocking"))).isTrue();
        assertThat(adapter.supports(handler("reactive"))).isFalse();
        assertThat(adapter.supports(new Object())).isFalse();
    }

    @Test
    void onALoopThreadWebFluxHandlesTheRequestFromAFiberOfThatLoop() throws Exception {
        EventLoop loop = group.loop(0);
        HandlerMethod blocking = handler("blocking");
        CompletableFuture<HandlerResult> result = new CompletableFuture<>();

        loop.execute(() -> adapter.handle(exchange, blocking).subscribe(result::complete, result::completeExceptionally));

        assertThat(result.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        Fiber<?> handledOn = webFlux.handledOn.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(handledOn).isNotNull();
        assertThat(handledOn.loop()).isSameAs(loop);
        assertThat(webFlux.fiberName.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("GET /orders/42");
    }

    @Test
    void elsewhereWebFluxHandlesTheRequestOnTheCallingThread() throws Exception {
        adapter.handle(exchange, handler("blocking")).block(WAIT);

        assertThat(webFlux.handledOnThread.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isSameAs(Thread.currentThread());
    }

    /** A fiber the adapter did not start keeps its name: it may go on serving other work after this request. */
    @Test
    void elsewhereTheCallingFiberKeepsItsName() throws Exception {
        Fiber<String> caller = Fiber.builder().loop(group.loop(0)).name("caller").start(() -> {
            adapter.handle(exchange, handler("blocking")).block(WAIT);
            return Fiber.current().name();
        });
        assertThat(caller.join(WAIT)).isEqualTo("caller");
        assertThat(webFlux.fiberName.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("caller");
    }

    private static HandlerMethod handler(String name) throws NoSuchMethodException {
        return new HandlerMethod(new Controller(), Controller.class.getMethod(name));
    }

    public static class Controller {

        public String blocking() {
            return "blocking";
        }

        public Mono<String> reactive() {
            return Mono.just("reactive");
        }
    }

    /** WebFlux's adapter, recording where it handled the request instead of handling it. */
    private static final class RecordingAdapter extends RequestMappingHandlerAdapter {

        final CompletableFuture<Fiber<?>> handledOn = new CompletableFuture<>();
        final CompletableFuture<Thread> handledOnThread = new CompletableFuture<>();
        final CompletableFuture<String> fiberName = new CompletableFuture<>();

        @Override
        public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
            handledOn.complete(Fiber.current());
            handledOnThread.complete(Thread.currentThread());
            Fiber<?> fiber = Fiber.current();
            if (fiber != null) {
                fiberName.complete(fiber.name());
            }
            return Mono.just(new HandlerResult(handler, "done", ((HandlerMethod) handler).getReturnType()));
        }
    }
}
