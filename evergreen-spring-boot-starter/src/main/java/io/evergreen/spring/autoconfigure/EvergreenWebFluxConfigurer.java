package io.evergreen.spring.autoconfigure;

import io.evergreen.spring.BlockingHandlerExecutor;
import io.evergreen.spring.FiberExecutor;

import org.springframework.core.Ordered;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * Runs WebFlux's blocking controller methods (those whose return type is not reactive) on fibers: their executor
 * becomes a {@link BlockingHandlerExecutor} over the {@link FiberExecutor}. Called from the loop thread that read
 * the request, it starts the fiber on that same loop; WebFlux's second hand-off, from that fiber, stays on it.
 * Reactive controller methods are left as they are.
 * <p>
 * Ordered after Spring Boot's own configurer (order 0), which gives blocking methods the
 * {@code applicationTaskExecutor} when {@code spring.threads.virtual.enabled=true}: the executor set last wins.
 */
public class EvergreenWebFluxConfigurer implements WebFluxConfigurer, Ordered {

    /** The order: after Spring Boot's configurer. */
    public static final int ORDER = 10;

    private final BlockingHandlerExecutor executor;

    public EvergreenWebFluxConfigurer(FiberExecutor fiberExecutor) {
        this.executor = new BlockingHandlerExecutor(fiberExecutor);
    }

    @Override
    public void configureBlockingExecution(BlockingExecutionConfigurer configurer) {
        configurer.setExecutor(executor);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
