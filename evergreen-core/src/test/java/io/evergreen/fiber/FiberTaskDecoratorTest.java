package io.evergreen.fiber;

import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class FiberTaskDecoratorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @AfterEach
    void removeDecorator() {
        Fiber.setTaskDecorator(null);
    }

    @Test
    void the_decorator_runs_on_the_creating_thread_and_wraps_what_the_fiber_runs() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            AtomicReference<Thread> decoratedOn = new AtomicReference<>();
            Fiber.setTaskDecorator(task -> {
                decoratedOn.set(Thread.currentThread());
                return () -> "decorated " + task.call();
            });
            Fiber<String> fiber = Fiber.builder().loop(group.loop(0)).start(() -> "task");
            assertThat(fiber.join(WAIT)).isEqualTo("decorated task");
            assertThat(decoratedOn.get()).isSameAs(Thread.currentThread());
        }
    }

    @Test
    void an_inheritable_local_set_by_the_decorator_in_the_parent_is_inherited_by_the_child() {
        FiberLocal<String> marker = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            Fiber.setTaskDecorator(task -> {
                if (Fiber.current() != null && marker.get() == null) {
                    marker.set("set by decorator in " + Fiber.current().name());
                }
                return task;
            });
            Callable<String> child = () -> Fiber.spawn(marker::get).join(WAIT);
            String seen = Fiber.builder().loop(group.loop(0)).name("parent").start(child).join(WAIT);
            assertThat(seen).isEqualTo("set by decorator in parent");
        }
    }
}
