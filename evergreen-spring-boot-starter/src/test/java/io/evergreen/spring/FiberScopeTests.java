package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scope's own bookkeeping, without Spring: destruction order, failing destruction callbacks, and the
 * counters.
 */
class FiberScopeTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = EventLoopGroup.create(1);

    private final FiberScope scope = new FiberScope();

    private final List<String> destroyed = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeGroup() {
        group.close(WAIT);
    }

    @Test
    void aFailingDestructionCallbackDoesNotKeepTheOtherBeansAliveOrTheCountersOff() {
        Fiber.builder().loop(group.loop(0)).start(() -> {
            bean("first", () -> destroyed.add("first"));
            bean("failing", () -> {
                throw new IllegalStateException("destruction failed");
            });
            bean("last", () -> destroyed.add("last"));
        }).join(WAIT);
        await().atMost(WAIT).until(() -> scope.getDestroyedCount() == 3);
        assertThat(destroyed).containsExactly("last", "first");
        assertThat(scope.getCreatedCount()).isEqualTo(3);
        assertThat(scope.getLiveCount()).isZero();
    }

    @Test
    void aRemovedBeanIsNotDestroyedAgainWhenTheOwnerEnds() {
        Fiber.builder().loop(group.loop(0)).start(() -> {
            bean("removed", () -> destroyed.add("removed"));
            bean("kept", () -> destroyed.add("kept"));
            assertThat(scope.remove("removed")).isEqualTo("removed");
        }).join(WAIT);
        await().atMost(WAIT).until(() -> scope.getDestroyedCount() == 2);
        assertThat(destroyed).containsExactly("kept");
        assertThat(scope.getLiveCount()).isZero();
    }

    private void bean(String name, Runnable destructionCallback) {
        scope.get(name, () -> name);
        scope.registerDestructionCallback(name, destructionCallback);
    }
}
