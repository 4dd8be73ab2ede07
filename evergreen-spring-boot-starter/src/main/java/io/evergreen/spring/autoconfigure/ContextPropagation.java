package io.evergreen.spring.autoconfigure;

import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;

import org.springframework.util.ClassUtils;

/**
 * Micrometer's context-propagation library, used only when it is on the classpath (this class is loaded only
 * then).
 */
final class ContextPropagation {

    private static final boolean SLF4J_PRESENT = ClassUtils.isPresent("org.slf4j.MDC",
            ContextPropagation.class.getClassLoader());

    private ContextPropagation() {
    }

    /**
     * Wraps a task so that it runs with the thread-local context (MDC, current observation, ...) of the thread
     * that wrapped it. Registers the MDC with the global context registry, where the library does not by itself.
     */
    static UnaryOperator<Callable<?>> threadContextWrapper() {
        registerMdc();
        ContextSnapshotFactory snapshots = ContextSnapshotFactory.builder().build();
        return task -> snapshots.captureAll().wrap(task);
    }

    static void registerMdc() {
        if (!SLF4J_PRESENT) {
            return;
        }
        ContextRegistry registry = ContextRegistry.getInstance();
        synchronized (registry) {
            boolean registered = registry.getThreadLocalAccessors()
                .stream()
                .anyMatch(accessor -> Slf4jThreadLocalAccessor.KEY.equals(accessor.key()));
            if (!registered) {
                registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
            }
        }
    }
}
