package io.evergreen.sync;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberCancelledException;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.fiber.FiberTimeoutException;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class ChannelTest {

    // ---------------------------------------------------------------- creation

    @Test
    void a_bounded_channel_needs_room_for_at_least_one_item() {
        assertThatThrownBy(() -> Channel.bounded(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1")
                .hasMessageContaining("rendezvous");
    }

    @Test
    void channels_refuse_null_items() {
        Channel<String> channel = Channel.bounded(1);

        assertThatThrownBy(() -> channel.send(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> channel.trySend(null)).isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- sending and receiving

    @Test
    void items_are_received_in_the_order_they_were_sent() {
        Channel<Integer> channel = Channel.bounded(10);
        for (int i = 0; i < 10; i++) {
            channel.send(i);
        }

        List<Integer> received = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            received.add(channel.receive());
        }

        assertThat(received).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void receive_waits_for_an_item(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0)).start(() -> channel.receive());
            awaitParked(receiver);

            channel.send("item");

            assertThat(receiver.join(LIMIT)).isEqualTo("item");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void send_on_a_full_bounded_channel_waits_until_an_item_is_received(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(2);
            Fiber<?> sender = Fiber.builder().loop(group.loop(0)).start(() -> {
                channel.send("a");
                channel.send("b");
                channel.send("c");
            });
            awaitParked(sender);
            assertThat(sender.isAlive()).isTrue();
            assertThat(channel.size()).isEqualTo(2);

            assertThat(channel.receive()).isEqualTo("a");

            sender.join(LIMIT);
            assertThat(channel.receive()).isEqualTo("b");
            assertThat(channel.receive()).isEqualTo("c");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_rendezvous_send_returns_only_once_a_receiver_took_the_item(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.rendezvous();
            Fiber<?> sender = Fiber.builder().loop(group.loop(0)).start(() -> channel.send("item"));
            awaitParked(sender);
            assertThat(sender.isAlive()).isTrue();

            assertThat(channel.receive()).isEqualTo("item");

            sender.join(LIMIT);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void fibers_on_one_loop_pass_items_through_a_rendezvous_channel(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Channel<Integer> channel = Channel.rendezvous();
            Fiber<Integer> receiver = Fiber.builder().loop(loop).start(() -> {
                int sum = 0;
                for (int item : channel) {
                    sum += item;
                }
                return sum;
            });
            Fiber.builder().loop(loop).start(() -> {
                for (int i = 1; i <= 100; i++) {
                    channel.send(i);
                }
                channel.close();
            }).join(LIMIT);

            assertThat(receiver.join(LIMIT)).isEqualTo(5050);
        }
    }

    // ---------------------------------------------------------------- closing

    @Test
    void after_close_receivers_drain_the_items_sent_before_then_get_ChannelClosedException() {
        Channel<String> channel = Channel.bounded(3);
        channel.send("a");
        channel.send("b");

        channel.close();

        assertThat(channel.isClosed()).isTrue();
        assertThat(channel.receive()).isEqualTo("a");
        assertThat(channel.receive(Duration.ofSeconds(1))).isEqualTo("b");
        assertThatThrownBy(channel::receive).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(() -> channel.receive(Duration.ofSeconds(1))).isInstanceOf(ChannelClosedException.class);
        assertThat(channel.tryReceive()).isNull();
    }

    @Test
    void send_after_close_throws_ChannelClosedException() {
        Channel<String> channel = Channel.bounded(3);

        channel.close();

        assertThatThrownBy(() -> channel.send("late")).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(() -> channel.trySend("late")).isInstanceOf(ChannelClosedException.class);
        assertThat(channel.size()).isZero();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_wakes_a_waiting_receiver_with_ChannelClosedException(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0)).start(() -> channel.receive());
            awaitParked(receiver);

            channel.close();

            assertThatThrownBy(() -> receiver.join(LIMIT))
                    .isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(ChannelClosedException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void close_wakes_a_sender_waiting_for_room_with_ChannelClosedException(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            channel.send("fills it");
            Fiber<?> sender = Fiber.builder().loop(group.loop(0)).start(() -> channel.send("waits"));
            awaitParked(sender);

            channel.close();

            assertThatThrownBy(() -> sender.join(LIMIT))
                    .isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(ChannelClosedException.class);
            assertThat(channel.receive()).isEqualTo("fills it");
            assertThat(channel.tryReceive()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void iteration_receives_every_item_and_ends_when_the_channel_is_closed(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<Integer> channel = Channel.bounded(2);
            Fiber<List<Integer>> consumer = Fiber.builder().loop(group.loop(0)).start(() -> {
                List<Integer> items = new ArrayList<>();
                for (int item : channel) {
                    items.add(item);
                }
                return items;
            });
            for (int i = 0; i < 5; i++) {
                channel.send(i);
            }

            channel.close();

            assertThat(consumer.join(LIMIT)).containsExactly(0, 1, 2, 3, 4);
        }
    }

    // ---------------------------------------------------------------- timeouts and non-blocking calls

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void receive_with_a_timeout_throws_FiberTimeoutException_in_a_fiber_when_nothing_comes(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0))
                    .start(() -> channel.receive(Duration.ofMillis(20)));

            assertThatThrownBy(() -> receiver.join(LIMIT))
                    .isInstanceOf(FiberFailedException.class)
                    .cause().isInstanceOf(FiberTimeoutException.class);
        }
    }

    @Test
    void receive_with_a_timeout_throws_FiberTimeoutException_on_a_thread_when_nothing_comes() {
        Channel<String> channel = Channel.rendezvous();

        assertThatThrownBy(() -> channel.receive(Duration.ofMillis(20))).isInstanceOf(FiberTimeoutException.class);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void receive_with_a_timeout_returns_an_item_that_comes_in_time(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0)).start(() -> channel.receive(LIMIT));
            awaitParked(receiver);

            channel.send("item");

            assertThat(receiver.join(LIMIT)).isEqualTo("item");
        }
    }

    @Test
    void trySend_succeeds_only_while_a_bounded_channel_has_room_and_tryReceive_only_while_it_has_items() {
        Channel<String> channel = Channel.bounded(1);

        assertThat(channel.tryReceive()).isNull();
        assertThat(channel.trySend("a")).isTrue();
        assertThat(channel.trySend("b")).isFalse();
        assertThat(channel.tryReceive()).isEqualTo("a");
        assertThat(channel.tryReceive()).isNull();
    }

    @Test
    void trySend_on_a_rendezvous_channel_fails_when_no_receiver_waits() {
        Channel<String> channel = Channel.rendezvous();

        assertThat(channel.trySend("nobody")).isFalse();
        assertThat(channel.size()).isZero();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void trySend_on_a_rendezvous_channel_hands_the_item_to_a_waiting_receiver(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.rendezvous();
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0)).start(() -> channel.receive());
            awaitParked(receiver);

            assertThat(channel.trySend("item")).isTrue();

            assertThat(receiver.join(LIMIT)).isEqualTo("item");
        }
    }

    // ---------------------------------------------------------------- cancellation

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cancelled_rendezvous_sender_takes_its_item_back(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Channel<String> channel = Channel.rendezvous();
            Fiber<?> sender = Fiber.builder().loop(loop).start(() -> channel.send("withdrawn"));
            awaitParked(sender);

            sender.cancel();

            assertThatThrownBy(() -> sender.join(LIMIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(channel.size()).isZero();
            assertThat(channel.tryReceive()).isNull();
            Fiber<?> nextSender = Fiber.builder().loop(loop).start(() -> channel.send("next"));
            assertThat(channel.receive(LIMIT)).isEqualTo("next");
            nextSender.join(LIMIT);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_cancelled_fiber_stops_waiting_to_receive_with_FiberCancelledException(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Channel<String> channel = Channel.bounded(1);
            Fiber<String> receiver = Fiber.builder().loop(group.loop(0)).start(() -> channel.receive());
            awaitParked(receiver);

            receiver.cancel();

            assertThatThrownBy(() -> receiver.join(LIMIT)).isInstanceOf(FiberCancelledException.class);
            assertThat(receiver.failure()).isInstanceOf(FiberCancelledException.class);
        }
    }

    // ---------------------------------------------------------------- scale

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void ten_thousand_fibers_on_one_loop_waiting_on_a_channel_all_complete(SchedulerMode mode) {
        int fibers = 10_000;
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            Channel<Integer> channel = Channel.bounded(64);
            AtomicInteger waiting = new AtomicInteger();
            LongAdder sum = new LongAdder();
            List<Fiber<?>> receivers = new ArrayList<>(fibers);
            for (int i = 0; i < fibers; i++) {
                receivers.add(Fiber.builder().loop(loop).start(() -> {
                    waiting.incrementAndGet();
                    sum.add(channel.receive());
                }));
            }
            await().until(() -> waiting.get() == fibers);

            for (int i = 1; i <= fibers; i++) {
                channel.send(i);
            }

            for (Fiber<?> receiver : receivers) {
                receiver.join(LIMIT);
            }
            assertThat(sum.sum()).isEqualTo((long) fibers * (fibers + 1) / 2);
            assertThat(loop.stats().fibersSucceeded()).isEqualTo(fibers);
        }
    }

    @Test
    void a_loop_callback_may_offer_and_poll_but_never_wait() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            Channel<String> channel = Channel.bounded(1);
            java.util.concurrent.CompletableFuture<List<Object>> outcomes = new java.util.concurrent.CompletableFuture<>();

            loop.execute(() -> {
                List<Object> seen = new ArrayList<>();
                seen.add(channel.trySend("first"));
                seen.add(channel.trySend("second"));
                seen.add(catchFailure(() -> channel.send("third")));
                seen.add(channel.tryReceive());
                seen.add(catchFailure(channel::receive));
                seen.add(catchFailure(() -> channel.receive(Duration.ofMillis(1))));
                outcomes.complete(seen);
            });

            List<Object> seen = outcomes.get(LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(seen.subList(0, 2)).containsExactly(true, false);
            assertThat(seen.get(2)).isInstanceOf(IllegalStateException.class);
            assertThat(seen.get(3)).isEqualTo("first");
            assertThat(seen.subList(4, 6)).allSatisfy(failure -> assertThat(failure)
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("A loop thread cannot wait for a channel"));
        }
    }

    private static Object catchFailure(Runnable action) {
        try {
            action.run();
            return "returned";
        } catch (RuntimeException e) {
            return e;
        }
    }
}
