package io.evergreen.sync;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.fiber.FiberState;
import io.evergreen.fiber.FiberTimeoutException;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class ResultTest {

    // ---------------------------------------------------------------- settling once

    @Test
    void a_new_result_is_pending() {
        Result<String> result = new Result<>();

        assertThat(result.isDone()).isFalse();
        assertThat(result.valueNow()).isNull();
        assertThat(result.failureNow()).isNull();
    }

    @Test
    void complete_settles_the_result_only_the_first_time() {
        Result<String> result = new Result<>();

        assertThat(result.complete("first")).isTrue();
        assertThat(result.complete("second")).isFalse();
        assertThat(result.fail(new IllegalStateException("too late"))).isFalse();

        assertThat(result.isDone()).isTrue();
        assertThat(result.isFailed()).isFalse();
        assertThat(result.valueNow()).isEqualTo("first");
        assertThat(result.await()).isEqualTo("first");
    }

    @Test
    void fail_settles_the_result_only_the_first_time() {
        Result<String> result = new Result<>();
        IllegalStateException failure = new IllegalStateException("first");

        assertThat(result.fail(failure)).isTrue();
        assertThat(result.fail(new IllegalStateException("second"))).isFalse();
        assertThat(result.complete("too late")).isFalse();

        assertThat(result.isDone()).isTrue();
        assertThat(result.isFailed()).isTrue();
        assertThat(result.failureNow()).isSameAs(failure);
        assertThat(result.valueNow()).isNull();
    }

    @Test
    void null_is_a_value_like_any_other() {
        Result<String> result = new Result<>();

        assertThat(result.complete(null)).isTrue();

        assertThat(result.isDone()).isTrue();
        assertThat(result.isFailed()).isFalse();
        assertThat(result.await()).isNull();
        assertThat(result.complete("second")).isFalse();
    }

    // ---------------------------------------------------------------- awaiting

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void await_in_a_fiber_returns_the_value_once_completed(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Result<String> result = new Result<>();
            Fiber<String> waiter = Fiber.builder().loop(group.loop(0)).start(() -> result.await());
            awaitParked(waiter);

            result.complete("value");

            assertThat(waiter.join(LIMIT)).isEqualTo("value");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void await_on_a_thread_returns_the_value_a_fiber_completes_it_with(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Result<String> result = new Result<>();
            Fiber.builder().loop(group.loop(0)).start(() -> result.complete("from a fiber"));

            assertThat(result.await(LIMIT)).isEqualTo("from a fiber");
        }
    }

    @Test
    void await_throws_CompletionException_with_the_failure_as_cause() {
        Result<String> result = new Result<>();
        IllegalStateException failure = new IllegalStateException("expected by the test");
        result.fail(failure);

        assertThatThrownBy(result::await).isInstanceOf(CompletionException.class).cause().isSameAs(failure);
        assertThatThrownBy(() -> result.await(LIMIT)).isInstanceOf(CompletionException.class).cause().isSameAs(failure);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void await_with_a_timeout_in_a_fiber_throws_FiberTimeoutException_when_nothing_comes(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Result<String> result = new Result<>();
            Fiber<String> waiter = Fiber.builder().loop(group.loop(0)).start(() -> result.await(Duration.ofMillis(20)));

            assertThatThrownBy(() -> waiter.join(LIMIT))
                    .isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(FiberTimeoutException.class);
        }
    }

    @Test
    void await_with_a_timeout_on_a_thread_throws_FiberTimeoutException_when_nothing_comes() {
        Result<String> result = new Result<>();

        assertThatThrownBy(() -> result.await(Duration.ofMillis(20))).isInstanceOf(FiberTimeoutException.class);
        assertThat(result.awaitDone(Duration.ofMillis(1))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cancelled_fiber_stops_waiting_with_FiberCancelledException(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Result<String> result = new Result<>();
            Fiber<String> waiter = Fiber.builder().loop(group.loop(0)).start(() -> result.await());
            awaitParked(waiter);

            waiter.cancel();

            assertThatThrownBy(() -> waiter.join(LIMIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(waiter.failure()).isInstanceOf(FiberCancelledException.class);
            assertThat(waiter.state()).isEqualTo(FiberState.CANCELLED);
            assertThat(result.isDone()).isFalse();
        }
    }

    @Test
    void an_interrupted_thread_stops_waiting_with_FiberCancelledException_and_keeps_its_interrupt_status() throws Exception {
        Result<String> result = new Result<>();
        Result<Throwable> thrown = new Result<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                result.await();
            } catch (Throwable e) {
                stillInterrupted.set(Thread.currentThread().isInterrupted());
                thrown.complete(e);
            }
        });
        await().until(() -> waiter.getState() == Thread.State.WAITING);

        waiter.interrupt();

        assertThat(thrown.await(LIMIT)).isInstanceOf(FiberCancelledException.class);
        assertThat(stillInterrupted).isTrue();
    }

    // ---------------------------------------------------------------- callbacks

    @Test
    void whenDone_callbacks_run_in_the_order_they_were_added() {
        Result<String> result = new Result<>();
        List<String> calls = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            result.whenDone(r -> calls.add(n + ":" + r.valueNow()));
        }
        assertThat(calls).isEmpty();

        result.complete("v");

        assertThat(calls).containsExactly("0:v", "1:v", "2:v", "3:v", "4:v");
    }

    @Test
    void whenDone_on_a_settled_result_runs_the_callback_at_once_in_the_caller() {
        Result<String> result = new Result<>();
        result.fail(new IllegalStateException("expected by the test"));
        List<Thread> ranOn = new CopyOnWriteArrayList<>();

        result.whenDone(r -> ranOn.add(Thread.currentThread()));

        assertThat(ranOn).containsExactly(Thread.currentThread());
    }

    @Test
    void a_whenDone_callback_that_throws_does_not_stop_the_others() {
        Result<String> result = new Result<>();
        List<String> calls = new CopyOnWriteArrayList<>();
        result.whenDone(r -> calls.add("first"));
        result.whenDone(r -> {
            throw new IllegalStateException("expected by the test");
        });
        result.whenDone(r -> calls.add("third"));

        assertThat(result.complete("v")).isTrue();

        assertThat(calls).containsExactly("first", "third");
        assertThat(result.await()).isEqualTo("v");
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void whenDone_callbacks_run_in_the_fiber_that_completes_the_result(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Result<String> result = new Result<>();
            Result<Fiber<?>> ranIn = new Result<>();
            result.whenDone(r -> ranIn.complete(Fiber.current()));

            Fiber<?> completer = Fiber.builder().loop(group.loop(0)).start(() -> result.complete("v"));

            assertThat(ranIn.await(LIMIT)).isSameAs(completer);
        }
    }
}
