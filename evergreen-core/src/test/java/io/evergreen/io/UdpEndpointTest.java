package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * {@link UdpEndpoint}: {@code send} queues and returns, {@code flush} waits until the queue is empty,
 * {@code receive} parks until a datagram arrives and says who sent it.
 */
class UdpEndpointTest {

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(US_ASCII));
    }

    private static String text(ByteBuffer data) {
        return US_ASCII.decode(data).toString();
    }

    /**
     * Holds the loop thread (as a handler stuck in a blocking call would) until released: while it is held,
     * the loop can send nothing, so whatever a send leaves to the loop stays queued.
     */
    private static CountDownLatch holdLoop(EventLoop loop) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        return release;
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void receive_returns_the_datagram_bytes_and_its_sender(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode);
             UdpEndpoint sender = UdpEndpoint.bind(group.loop(0), Loopback.anyPort());
             UdpEndpoint receiver = UdpEndpoint.bind(group.loop(1), Loopback.anyPort())) {
            Fiber<Datagram> receiving = Fiber.builder().loop(group.loop(1)).start(() -> receiver.receive());
            await().atMost(WAIT).until(() -> receiving.state() == FiberState.PARKED);
            Fiber.builder().loop(group.loop(0)).start(() -> {
                sender.send(ascii("ping"), receiver.localAddress());
                sender.flush();
                return null;
            }).join(WAIT);
            Datagram datagram = receiving.join(WAIT);
            assertThat(text(datagram.data())).isEqualTo("ping");
            assertThat(datagram.sender()).isEqualTo(sender.localAddress());
        }
    }

    @Test
    void send_returns_without_waiting_for_the_datagram_to_leave() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             UdpEndpoint sender = UdpEndpoint.bind(group.loop(0), Loopback.anyPort());
             UdpEndpoint receiver = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            CountDownLatch release = holdLoop(group.loop(0));
            try {
                sender.send(ascii("queued"), receiver.localAddress()); // from this thread: handed to the held loop
                assertThat(sender.queuedBytes()).isEqualTo(6);
            } finally {
                release.countDown();
            }
            Datagram datagram = receiver.receive(WAIT);
            assertThat(text(datagram.data())).isEqualTo("queued");
        }
    }

    @Test
    void flush_waits_until_the_send_queue_is_empty() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             UdpEndpoint sender = UdpEndpoint.bind(group.loop(0), Loopback.anyPort());
             UdpEndpoint receiver = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            CountDownLatch release = holdLoop(group.loop(0));
            AtomicLong queuedWhenFlushReturned = new AtomicLong(-1);
            Thread flusher;
            try {
                sender.send(ascii("one"), receiver.localAddress());
                sender.send(ascii("two"), receiver.localAddress());
                flusher = Thread.ofPlatform().start(() -> {
                    try {
                        sender.flush();
                        queuedWhenFlushReturned.set(sender.queuedBytes());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                // flush must wait while the loop cannot send: release the loop only once it does.
                await().atMost(WAIT).until(() -> flusher.getState() == Thread.State.WAITING);
                assertThat(sender.queuedBytes()).isEqualTo(6);
            } finally {
                release.countDown();
            }
            assertThat(flusher.join(WAIT)).isTrue();
            assertThat(queuedWhenFlushReturned).hasValue(0);
            assertThat(text(receiver.receive(WAIT).data())).isEqualTo("one");
            assertThat(text(receiver.receive(WAIT).data())).isEqualTo("two");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void receive_with_a_timeout_fails_with_socket_timeout_exception_when_nothing_arrives(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode);
             UdpEndpoint endpoint = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            Fiber<Throwable> receiving = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> endpoint.receive(Duration.ofMillis(200))));
            assertThat(receiving.join(WAIT)).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void receive_from_a_platform_thread_works() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             UdpEndpoint sender = UdpEndpoint.bind(group.loop(0), Loopback.anyPort());
             UdpEndpoint receiver = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            sender.send(ascii("to a platform thread"), receiver.localAddress());
            assertThat(text(receiver.receive(WAIT).data())).isEqualTo("to a platform thread");
        }
    }

    @Test
    void closing_an_endpoint_wakes_its_blocked_receiver_with_stream_closed() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             UdpEndpoint endpoint = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            Fiber<Throwable> receiving = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(endpoint::receive));
            await().atMost(WAIT).until(() -> receiving.state() == FiberState.PARKED);
            endpoint.close();
            assertThat(receiving.join(WAIT)).isInstanceOf(StreamClosedException.class);
        }
    }

    @Test
    void close_returns_once_the_port_is_free_to_bind_again() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            UdpEndpoint endpoint = UdpEndpoint.bind(group.loop(0), Loopback.anyPort());
            InetSocketAddress address = endpoint.localAddress();
            Loopback.closeWhileItsLoopIsHeld(group.loop(0), endpoint::close);
            try (DatagramChannel again = DatagramChannel.open()) {
                again.bind(address); // at once: no wait for the loop
            }
        }
    }

    @Test
    void a_datagram_larger_than_the_udp_maximum_is_refused() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             UdpEndpoint endpoint = UdpEndpoint.bind(group.loop(0), Loopback.anyPort())) {
            Throwable refused = catchThrowable(() -> endpoint.send(ByteBuffer.allocate(UdpEndpoint.MAX_DATAGRAM_BYTES + 1),
                    endpoint.localAddress()));
            assertThat(refused).isInstanceOf(IOException.class).hasMessageContaining("exceeds the UDP maximum");
            assertThat(endpoint.queuedBytes()).isZero();
        }
    }
}
