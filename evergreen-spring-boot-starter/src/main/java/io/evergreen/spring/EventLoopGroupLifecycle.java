package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ties an {@link EventLoopGroup} to the application context: on start it becomes the group that
 * {@code Fiber.spawn} uses outside fibers and installs the fiber task decorator; on stop it closes the
 * group gracefully, letting fibers finish for up to the shutdown timeout before cancelling them.
 * <p>
 * Its {@linkplain #PHASE phase} is below those of Spring Boot's web server life cycles (graceful shutdown at
 * {@code DEFAULT_PHASE - 1024}, start/stop at {@code DEFAULT_PHASE - 2048}), so the loops stop only after
 * the web server has drained its requests and stopped; the fibers those requests spawned, which the server
 * does not count, are drained here. The loop threads are not daemon threads: while the group runs, they keep
 * the JVM alive, the way {@code spring.main.keep-alive} would.
 * <p>
 * Stopping is final: a closed group cannot be restarted. The life cycle is not pauseable for that reason.
 */
public final class EventLoopGroupLifecycle implements SmartLifecycle {

    /** The phase: after the web server stops, before beans with phase 0 stop. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Log logger = LogFactory.getLog(EventLoopGroupLifecycle.class);

    private final EventLoopGroup group;
    private final Duration shutdownTimeout;
    private final UnaryOperator<Callable<?>> taskDecorator;
    private volatile boolean running;

    /**
     * @param taskDecorator installed with {@link Fiber#setTaskDecorator} while running (null for none)
     */
    public EventLoopGroupLifecycle(EventLoopGroup group, Duration shutdownTimeout,
            UnaryOperator<Callable<?>> taskDecorator) {
        this.group = Objects.requireNonNull(group, "group");
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        this.taskDecorator = taskDecorator;
    }

    public EventLoopGroup getGroup() {
        return group;
    }

    @Override
    public void start() {
        if (group.isClosing()) {
            throw new IllegalStateException(group + " was closed and cannot be restarted");
        }
        Fiber.setDefaultGroup(group);
        if (taskDecorator != null) {
            Fiber.setTaskDecorator(taskDecorator);
        }
        running = true;
        if (logger.isDebugEnabled()) {
            logger.debug("Evergreen started: " + group);
        }
    }

    @Override
    public void stop() {
        running = false;
        if (taskDecorator != null && Fiber.taskDecorator() == taskDecorator) {
            Fiber.setTaskDecorator(null);
        }
        int live = group.liveFibers();
        if (live > 0) {
            logger.info("Stopping Evergreen's event loops: waiting up to " + shutdownTimeout.toMillis() + " ms for " + live
                    + " fiber(s) to finish");
        }
        if (group.current() != null) {
            // The context is being closed from one of the group's own fibers, which close() would wait for.
            logger.warn("Application context closed from a fiber of " + group + ": closing the group in the background");
            Thread.ofPlatform().name("evergreen-shutdown").start(() -> group.close(shutdownTimeout));
            return;
        }
        group.close(shutdownTimeout);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public boolean isPauseable() {
        return false;
    }
}
