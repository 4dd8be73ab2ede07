package io.evergreen.spring;

import io.evergreen.fiber.Fiber;

import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/**
 * What the starter installs with {@link Fiber#setTaskDecorator}: carries the creating thread's context into
 * every fiber created while the application runs ({@code Fiber.spawn}, {@code FiberGroup}, the
 * {@link FiberExecutor}):
 * <ul>
 * <li>the {@code @FiberScoped} beans: a fiber that spawns one gets a fiber scope first, if it has none, so
 * that parent and child share it;</li>
 * <li>thread-local context, when a {@code threadContext} wrapper is given: the starter passes one built on
 * Micrometer's context-propagation library, so that the MDC and the current observation follow a request
 * into the fibers it spawns.</li>
 * </ul>
 * Thread-local context is handed on from fiber to fiber only. A platform thread that starts fibers is a server's
 * poller handing out requests, or a scheduler: it has no request context to give, and capturing and restoring
 * its empty one cost a third of the throughput of a small HTTP request (benchmarks/RESULTS.md §10). Code on a
 * platform thread that wants its MDC in a fiber wraps the task itself ({@code ContextSnapshot.wrap}).
 */
public final class FiberSpawnDecorator implements UnaryOperator<Callable<?>> {

    private final UnaryOperator<Callable<?>> threadContext;

    /** A decorator that shares the fiber scope and nothing else. */
    public FiberSpawnDecorator() {
        this(null);
    }

    /**
     * @param threadContext wraps a task on the creating thread so that it runs with that thread's context
     * (null for none)
     */
    public FiberSpawnDecorator(UnaryOperator<Callable<?>> threadContext) {
        this.threadContext = threadContext;
    }

    @Override
    public Callable<?> apply(Callable<?> task) {
        FiberScopeStore.prepareForChild();
        return threadContext != null && Fiber.current() != null ? threadContext.apply(task) : task;
    }
}
