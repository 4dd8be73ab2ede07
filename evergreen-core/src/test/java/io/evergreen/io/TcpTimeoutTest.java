package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Read, write and connect timeouts end the wait with {@link SocketTimeoutException}. Timeouts are short
 * (a few hundred milliseconds) and never asserted as durations: a test only checks that the wait ended
 * with the right exception.
 */
class TcpTimeoutTest {

    private static final Duration SHORT = Duration.ofMillis(200);
    private static final int HIGH_WATER_MARK = 4 * 1024;

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_read_with_nothing_to_read_times_out_with_socket_timeout_exception(SchedulerMode mode) throws Exception {
        try (ConnectedPair pair = new ConnectedPair(mode)) {
            pair.stream.readTimeout(SHORT);
            Throwable failure = catchThrowable(() -> pair.inFiber(() -> pair.stream.read(ByteBuffer.allocate(10))));
            assertThat(failure).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void the_read_timeout_applies_to_read_line_waiting_for_the_rest_of_a_line() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.readTimeout(SHORT);
            pair.peerWrites("half a li".getBytes(US_ASCII));
            Throwable failure = catchThrowable(() -> pair.inFiber(() -> pair.stream.readLine(100)));
            assertThat(failure).isInstanceOf(SocketTimeoutException.class);
            assertThat(pair.stream.buffered()).isEqualTo(9);
        }
    }

    @Test
    void a_stream_stays_usable_after_a_read_timeout() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.readTimeout(SHORT);
            catchThrowableOfType(SocketTimeoutException.class, () -> pair.inFiber(() -> pair.stream.readExactly(4)));
            pair.peerWrites("late".getBytes(US_ASCII));
            pair.stream.readTimeout(null);
            assertThat(pair.inFiber(() -> pair.stream.readExactly(4))).isEqualTo("late".getBytes(US_ASCII));
            assertThat(pair.stream.isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_write_to_a_peer_that_does_not_read_times_out_once_the_queue_passes_the_high_water_mark(SchedulerMode mode)
            throws Exception {
        try (ConnectedPair pair = new ConnectedPair(mode)) {
            pair.stream.highWaterMark(HIGH_WATER_MARK).writeTimeout(SHORT);
            Throwable failure = catchThrowable(() -> pair.inFiber(() -> {
                byte[] chunk = new byte[HIGH_WATER_MARK];
                while (true) { // the peer never reads: the socket buffers fill, then the queue
                    pair.stream.write(chunk);
                }
            }));
            assertThat(failure).isInstanceOf(SocketTimeoutException.class);
            assertThat(pair.stream.pendingWriteBytes()).isGreaterThan(HIGH_WATER_MARK / 4);
        }
    }

    @Test
    void flush_to_a_peer_that_does_not_read_times_out() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.writeTimeout(SHORT);
            Throwable failure = catchThrowable(() -> pair.inFiber(() -> {
                pair.stream.highWaterMark(Integer.MAX_VALUE); // queue it all: only flush waits
                pair.stream.write(new byte[32 * 1024 * 1024]);
                pair.stream.flush();
                return null;
            }));
            assertThat(failure).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_connect_to_a_listener_with_a_full_backlog_times_out_with_socket_timeout_exception(SchedulerMode mode)
            throws Exception {
        try (Loopback.SaturatedListener saturated = new Loopback.SaturatedListener(SHORT);
             EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            Fiber<Throwable> connector = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(saturated.address(), SHORT).close()));
            assertThat(connector.join(WAIT)).isInstanceOf(SocketTimeoutException.class);
        }
    }
}
