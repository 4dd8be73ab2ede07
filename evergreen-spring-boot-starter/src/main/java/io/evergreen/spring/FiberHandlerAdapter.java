package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;

import java.util.Objects;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

/**
 * Handles a request for a blocking controller method (one whose return type is not reactive) from a fiber when
 * Evergreen's loops drive Reactor Netty: WebFlux's own adapter then resolves the method's arguments on the fiber too,
 * and not only calls the method there. Reactive controller methods stay on the loop thread. The fiber is named after
 * the request, {@code GET /orders}, as {@code FiberNamingFilter} names a servlet request's: fiber dumps and the
 * blocked-loop log then say which endpoint it works for. (When the arguments wait for a request body that arrives
 * later, WebFlux calls the method on a second fiber, started where the body arrives; that one keeps its default name.)
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
        if (!EventLoop.onLoopThread()) {
            return Mono.defer(() -> webFluxAdapter.get().handle(exchange, handler));
        }
        // The fiber is this request's own, started by the subscription: it takes the request's name.
        return Mono.defer(() -> {
            nameFiberAfter(exchange.getRequest());
            return webFluxAdapter.get().handle(exchange, handler);
        }).subscribeOn(fibers);
    }

    private static void nameFiberAfter(ServerHttpRequest request) {
        Fiber<?> fiber = Fiber.current();
        if (fiber != null) {
            fiber.rename(RequestFiberNames.of(request.getMethod().name(), request.getPath().value()));
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
