package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopLog;
import io.evergreen.loop.SchedulerMode;

import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.TaskRejectedException;

/**
 * An {@link AsyncTaskExecutor} that runs each task on a new fiber of an {@link EventLoopGroup}: a task
 * submitted from a fiber of the group stays on that fiber's loop; any other starts on the first loop free to
 * take it ({@link EventLoopGroup#execute(Runnable)}), or, in {@code JDK} scheduler mode, on the less busy of
 * two loops ({@link EventLoopGroup#leastLoaded()}). Such a fiber is created by the loop that takes it, so it
 * inherits that loop thread's inheritable thread-locals and context class loader, not the submitter's: carry
 * context across with the {@link #setTaskDecorator task decorator}, as with Spring's pooled executors.
 * <p>
 * The Spring starter hands it to the embedded web server, so that every request runs on a fiber, and
 * behind {@code applicationTaskExecutor} for {@code @Async} and MVC async. A fiber is cheap: there is no
 * pool, no queue and no limit here (bound concurrency with {@code evergreen.web.max-in-flight} or a
 * semaphore). Tasks are rejected with {@link TaskRejectedException} once the group is closing.
 */
public final class FiberExecutor implements AsyncTaskExecutor {

    private static final System.Logger LOG = System.getLogger(FiberExecutor.class.getName());

    private final EventLoopGroup group;
    private final String fiberNamePrefix;
    private final AtomicLong fibersStarted = new AtomicLong();
    private volatile TaskDecorator taskDecorator;

    /** An executor whose fibers keep the default names ({@code fiber-<id>}). */
    public FiberExecutor(EventLoopGroup group) {
        this(group, null);
    }

    /**
     * An executor whose fibers are named {@code fiberNamePrefix} followed by a sequence number (the name
     * shows in fiber dumps and thread dumps), or keep the default names when the prefix is null.
     */
    public FiberExecutor(EventLoopGroup group, String fiberNamePrefix) {
        this.group = Objects.requireNonNull(group, "group");
        this.fiberNamePrefix = fiberNamePrefix;
    }

    /**
     * A decorator applied to every task on the submitting thread, the way Spring's own executors apply
     * one: for instance {@code ContextPropagatingTaskDecorator}.
     */
    public void setTaskDecorator(TaskDecorator taskDecorator) {
        this.taskDecorator = taskDecorator;
    }

    public EventLoopGroup getGroup() {
        return group;
    }

    /** Tasks this executor has accepted, each for a fiber of its own (started, or waiting for a free loop). */
    public long getFibersStarted() {
        return fibersStarted.get();
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        TaskDecorator decorator = taskDecorator;
        Runnable body = decorator != null ? decorator.decorate(task) : task;
        long sequence = fibersStarted.incrementAndGet();
        String name = fiberNamePrefix != null ? fiberNamePrefix + sequence : null;
        try {
            EventLoop current = group.current();
            if (current != null) {
                startFiber(current, name, body);
            } else if (group.mode() == SchedulerMode.LOOP) {
                // The first loop free for it creates the fiber, on its own thread: see EventLoopGroup.execute.
                group.execute(() -> startOnThisLoop(name, body, task));
            } else {
                // JDK mode: the JDK's scheduler runs the fiber; its loop is only its home for bookkeeping.
                startFiber(group.leastLoaded(), name, body);
            }
        } catch (RejectedExecutionException ex) {
            fibersStarted.decrementAndGet();
            throw new TaskRejectedException("Fiber executor on " + group + " did not accept task: " + task, ex);
        }
    }

    /** On the loop thread that took the task from the group's queue. */
    private void startOnThisLoop(String name, Runnable body, Runnable task) {
        try {
            startFiber(EventLoop.current(), name, body);
        } catch (RuntimeException | Error ex) {
            // Too late to reject the task to its submitter: count it out and say so.
            fibersStarted.decrementAndGet();
            // On the loop thread: through LoopLog, since the logging backend's lock may be one a fiber holds.
            LoopLog.log(LOG, System.Logger.Level.ERROR,
                    "Fiber executor on " + group + " could not start a fiber for " + task, ex);
        }
    }

    private static void startFiber(EventLoop loop, String name, Runnable body) {
        Fiber.Builder builder = Fiber.builder().loop(loop);
        if (name != null) {
            builder.name(name);
        }
        builder.start(body);
    }

    @Override
    public String toString() {
        return "FiberExecutor[" + group + "]";
    }
}
