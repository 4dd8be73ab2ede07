package io.evergreen.sync;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.fiber.FiberTimeoutException;
import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Waiters that give up (timeout, cancellation) leave nothing behind on the primitive they waited on. */
class WaiterCleanupTest {

    @Test
    void an_event_polled_with_timeouts_keeps_no_waiter_nodes() {
        Event never = new Event();
        for (int i = 0; i < 1_000; i++) {
            assertThat(never.await(Duration.ofNanos(1))).isFalse();
        }
        assertThat(never.waiterNodes()).isZero();
    }

    @Test
    void a_result_polled_with_timeouts_keeps_no_waiter_nodes() {
        Result<String> never = new Result<>();
        for (int i = 0; i < 1_000; i++) {
            assertThatThrownBy(() -> never.await(Duration.ofNanos(1))).isInstanceOf(FiberTimeoutException.class);
        }
        assertThat(never.waiterNodes()).isZero();
    }

    @Test
    void cancelled_fibers_waiting_on_an_event_or_result_leave_no_waiter_nodes() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            Event event = new Event();
            Result<String> result = new Result<>();
            Fiber<?> onEvent = Fiber.builder().loop(group.loop(0)).start(() -> event.await());
            Fiber<?> onResult = Fiber.builder().loop(group.loop(0)).start(() -> result.await());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> event.waiterNodes() == 1 && result.waiterNodes() == 1);
            onEvent.cancel();
            onResult.cancel();
            assertThatThrownBy(onEvent::join).isInstanceOf(FiberCancelledException.class);
            assertThatThrownBy(onResult::join).isInstanceOf(FiberCancelledException.class);
            assertThat(event.waiterNodes()).isZero();
            assertThat(result.waiterNodes()).isZero();
        }
    }
}
