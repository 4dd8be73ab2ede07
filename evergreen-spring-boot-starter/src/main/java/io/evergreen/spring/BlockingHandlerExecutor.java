package io.evergreen.spring;

import io.evergreen.fiber.Fiber;

import java.util.Objects;

import org.springframework.core.task.AsyncTaskExecutor;

/**
 * The executor of WebFlux's blocking controller methods: it makes sure they run on a fiber, and on one fiber per
 * request rather than two.
 * <p>
 * WebFlux hands a blocking method to its executor twice: it subscribes to the invocation on the executor
 * ({@code subscribeOn}), and then publishes the resolved arguments on it again ({@code publishOn}) before calling
 * the method. With a plain executor every request starts two fibers, the first of which only starts the second.
 * Here a task given by a thread that is already a fiber runs at once on that fiber, as Reactor's immediate
 * scheduler would run it; a task given by any other thread (the loop thread that read the request, a thread that
 * delivered a request body) starts a fiber through the {@link FiberExecutor}, which puts it on the caller's loop.
 * <p>
 * Not for general use: an {@code @Async} method called from a fiber must run beside its caller, not in it.
 */
public final class BlockingHandlerExecutor implements AsyncTaskExecutor {

    private final FiberExecutor fibers;

    public BlockingHandlerExecutor(FiberExecutor fibers) {
        this.fibers = Objects.requireNonNull(fibers, "fibers");
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (Fiber.current() != null) {
            task.run();
        } else {
            fibers.execute(task);
        }
    }

    /** The executor that starts the fibers. */
    public FiberExecutor getFiberExecutor() {
        return fibers;
    }

    @Override
    public String toString() {
        return "BlockingHandlerExecutor[" + fibers + "]";
    }
}
