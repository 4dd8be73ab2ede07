package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import io.evergreen.sync.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class EventLoopMountedBindingTest {

    @Test
    void inside_a_fiber_the_mounted_binding_is_that_fiber() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);

            Fiber<Object[]> fiber = Fiber.builder().loop(loop)
                    .start(() -> new Object[] {loop.mountedBinding(), Fiber.current()});
            Object[] seen = fiber.join();

            assertThat(seen[0]).isSameAs(fiber).isSameAs(seen[1]);
        }
    }

    @Test
    void another_thread_sees_the_fiber_that_holds_the_loop() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            AtomicBoolean release = new AtomicBoolean();
            Fiber<Void> spinner = Fiber.builder().loop(loop).start(() -> {
                while (!release.get()) {
                    Thread.onSpinWait();
                }
            });
            try {
                await().until(() -> loop.mountedBinding() == spinner);
            } finally {
                release.set(true);
            }
            spinner.join();
        }
    }

    @Test
    void there_is_no_binding_while_the_loop_is_idle_runs_a_callback_or_its_fibers_are_parked() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Event release = new Event();
            Fiber<Void> parked = Fiber.builder().loop(loop).start(() -> release.await());
            awaitParked(parked);

            await().until(() -> loop.stats().isPolling());
            assertThat(loop.mountedBinding()).isNull();
            CompletableFuture<LoopBound> inCallback = new CompletableFuture<>();
            loop.execute(() -> inCallback.complete(loop.mountedBinding()));
            assertThat(inCallback.join()).isNull();

            release.set();
            parked.join();
        }
    }
}
