package io.evergreen.spring.web;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberGroup;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.FiberScoped;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The application the web tests serve: endpoints that report the fiber they run on, wait at a barrier, use a
 * {@code @FiberScoped} bean from child fibers, go async, and carry MDC and observations into fibers.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableAsync
@Import({ FiberWebApplication.FiberController.class, FiberWebApplication.AsyncWork.class })
public class FiberWebApplication {

    static final Duration WAIT = Duration.ofSeconds(60);

    @Bean
    @FiberScoped
    RequestContext requestContext() {
        return new RequestContext();
    }

    @Bean
    Gates gates() {
        return new Gates();
    }

    @Bean
    ObservationRegistry observationRegistry() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(context -> true);
        ObservationThreadLocalAccessor.getInstance().setObservationRegistry(registry);
        return registry;
    }

    /** Marks, for each dispatch of a request, whether it ran on a fiber: header X-Fiber-REQUEST, X-Fiber-ASYNC. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> dispatchReportingFilter() {
        OncePerRequestFilter filter = new OncePerRequestFilter() {

            @Override
            protected boolean shouldNotFilterAsyncDispatch() {
                return false;
            }

            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                    FilterChain chain) throws ServletException, IOException {
                response.addHeader("X-Fiber-" + request.getDispatcherType(), String.valueOf(Fiber.current() != null));
                chain.doFilter(request, response);
            }
        };
        return new FilterRegistrationBean<>(filter);
    }

    /** One instance per request; counts destructions. */
    public static class RequestContext {

        static final AtomicInteger destroyed = new AtomicInteger();

        private static final AtomicInteger ids = new AtomicInteger();

        private final int id = ids.incrementAndGet();

        public int id() {
            return id;
        }

        @PreDestroy
        public void destroy() {
            destroyed.incrementAndGet();
        }
    }

    /** Barriers and latches that tests arm before sending requests. */
    public static class Gates {

        volatile CyclicBarrier barrier;

        volatile CountDownLatch arrived = new CountDownLatch(0);

        volatile CountDownLatch release = new CountDownLatch(0);

        public void barrier(int parties) {
            barrier = new CyclicBarrier(parties);
        }

        public void hold(int arrivals) {
            arrived = new CountDownLatch(arrivals);
            release = new CountDownLatch(1);
        }
    }

    @RestController
    static class FiberController {

        private final EventLoopGroup group;

        private final RequestContext requestContext;

        private final AsyncWork asyncWork;

        private final Gates gates;

        private final ObservationRegistry observations;

        FiberController(EventLoopGroup group, RequestContext requestContext, AsyncWork asyncWork, Gates gates,
                ObservationRegistry observations) {
            this.group = group;
            this.requestContext = requestContext;
            this.asyncWork = asyncWork;
            this.gates = gates;
            this.observations = observations;
        }

        @GetMapping("/fiber")
        Map<String, Object> fiber() {
            return describe(Fiber.current());
        }

        private Map<String, Object> describe(Fiber<?> fiber) {
            Map<String, Object> description = new LinkedHashMap<>();
            description.put("thread", Thread.currentThread().getName());
            description.put("fiber", fiber != null);
            if (fiber != null) {
                description.put("loop", fiber.loop().index());
                description.put("inGroup", fiber.loop().group() == group);
            }
            return description;
        }

        @GetMapping("/barrier")
        String barrier() throws Exception {
            gates.barrier.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return "through";
        }

        @GetMapping("/hold")
        String hold() throws InterruptedException {
            gates.arrived.countDown();
            if (!gates.release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return "released";
        }

        /** The scoped bean's id here, in a spawned fiber, a FiberGroup child and an @Async method. */
        @GetMapping("/scoped")
        List<Integer> scoped() throws Exception {
            int own = requestContext.id();
            int spawned = Fiber.spawn(requestContext::id).join(WAIT);
            int grouped;
            try (FiberGroup children = FiberGroup.open()) {
                Fiber<Integer> child = children.spawn(requestContext::id);
                children.join();
                grouped = child.result();
            }
            int async = asyncWork.requestContextId().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return List.of(own, spawned, grouped, async);
        }

        /** The scoped bean's id, once every request of a concurrent batch has taken its own. */
        @GetMapping("/scoped/concurrent")
        int scopedConcurrent() throws InterruptedException {
            int id = requestContext.id();
            gates.arrived.countDown();
            if (!gates.arrived.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the batch never arrived");
            }
            return id;
        }

        @GetMapping("/callable")
        Callable<Map<String, Object>> callable() {
            return () -> describe(Fiber.current());
        }

        @GetMapping("/deferred")
        DeferredResult<Map<String, Object>> deferred() {
            DeferredResult<Map<String, Object>> result = new DeferredResult<>(WAIT.toMillis());
            asyncWork.complete(result);
            return result;
        }

        /** What the MDC and the current observation are in fibers this request spawns. */
        @SuppressWarnings("try")
        @GetMapping("/context")
        Map<String, Object> context() throws Exception {
            MDC.put("requestId", "req-" + requestContext.id());
            Observation observation = Observation.start("test.request", observations);
            try (Observation.Scope scope = observation.openScope()) {
                Map<String, Object> seen = new LinkedHashMap<>();
                seen.put("expectedMdc", MDC.get("requestId"));
                seen.put("spawn", Fiber.spawn(this::contextHere).join(WAIT));
                try (FiberGroup children = FiberGroup.open()) {
                    Fiber<Map<String, Object>> child = children.spawn(this::contextHere);
                    children.join();
                    seen.put("group", child.result());
                }
                seen.put("async", asyncWork.context().get(WAIT.toSeconds(), TimeUnit.SECONDS));
                return seen;
            } finally {
                observation.stop();
                MDC.remove("requestId");
            }
        }

        private Map<String, Object> contextHere() {
            Observation current = observations.getCurrentObservation();
            Map<String, Object> here = new LinkedHashMap<>();
            here.put("fiber", Fiber.current() != null);
            here.put("mdc", String.valueOf(MDC.get("requestId")));
            here.put("observation", current != null ? current.getContext().getName() : "none");
            return here;
        }
    }

    public static class AsyncWork {

        private final RequestContext requestContext;

        private final ObservationRegistry observations;

        AsyncWork(RequestContext requestContext, ObservationRegistry observations) {
            this.requestContext = requestContext;
            this.observations = observations;
        }

        @Async
        public CompletableFuture<Integer> requestContextId() {
            return CompletableFuture.completedFuture(requestContext.id());
        }

        @Async
        public void complete(DeferredResult<Map<String, Object>> result) {
            Map<String, Object> completion = new LinkedHashMap<>();
            completion.put("completedOnFiber", Fiber.current() != null);
            result.setResult(completion);
        }

        @Async
        public CompletableFuture<Map<String, Object>> context() {
            Observation current = observations.getCurrentObservation();
            Map<String, Object> here = new LinkedHashMap<>();
            here.put("fiber", Fiber.current() != null);
            here.put("mdc", String.valueOf(MDC.get("requestId")));
            here.put("observation", current != null ? current.getContext().getName() : "none");
            return CompletableFuture.completedFuture(here);
        }
    }
}
