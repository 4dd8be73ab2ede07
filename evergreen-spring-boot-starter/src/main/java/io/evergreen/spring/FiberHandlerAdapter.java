package io.evergreen.spring;

import io.evergreen.loop.EventLoop;

import java.util.Objects;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

/**
 * Handles a request for a blocking controller method (one whose return type is not reactive) from a fiber when
 * Evergreen's loops drive Reactor Netty: WebFlux's own adapter then resolves the method's arguments on the fiber too,
 * and not only calls the method there. Reactive controller methods stay on the loop thread.
 * <p>
 * A loop thread must never wait for a lock that fibers take (see {@code io.evergreen.loop.LoopSafeLock}), and argument
 * resolution takes monitors that fibers take too. Seen in a burst of first requests: Spring's expression cache
 * ({@code ConcurrentHashMap.computeIfAbsent}, which holds its bin's monitor while it parses a default value) was
 * entered by a loop thread resolving a blocking method's arguments and by fibers of that loop; the JVM handed the
 * monitor to one of the fibers while it was unmounted, and the loop thread waited for it for good.
 */
public final class FiberHandlerAdapter implements HandlerAdapter, Ordered {

    /** Ahead of WebFlux's own adapters, which it delegates to. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

    private final Supplier<RequestMappingHandlerAdapter> webFluxAdapter;
    private final Scheduler fibers;

    /**
     * @param webFluxAdapter WebFlux's adapter of annotated controller methods, looked up when first needed
     * @param executor the executor of the fibers that handle the requests
     */
    public FiberHandlerAdapter(Supplier<RequestMappingHandlerAdapter> webFluxAdapter, BlockingHandlerExecutor executor) {
        this.webFluxAdapter = Objects.requireNonNull(webFluxAdapter, "webFluxAdapter");
        this.fibers = Schedulers.fromExecutor(Objects.requireNonNull(executor, "executor"));
    }

    @Override
    public boolean supports(Object handler) {
        return handler instanceof HandlerMethod method && isBlocking(method) && webFluxAdapter.get().supports(handler);
    }

    /** WebFlux's own test of a blocking controller method: a return type that is not reactive. */
    static boolean isBlocking(HandlerMethod method) {
        return ReactiveAdapterRegistry.getSharedInstance().getAdapter(method.getReturnType().getParameterType()) == null;
    }

    @Override
    public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
        Mono<HandlerResult> handling = Mono.defer(() -> webFluxAdapter.get().handle(exchange, handler));
        return EventLoop.onLoopThread() ? handling.subscribeOn(fibers) : handling;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
