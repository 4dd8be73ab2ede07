package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Closing a stream: from any fiber or thread it wakes the fiber blocked on it with
 * {@link StreamClosedException}; {@code close()} first lets queued bytes leave, {@code abort()} does not;
 * a closed stream refuses every operation.
 */
class TcpCloseTest {

    /** Who closes the stream that a fiber of loop 0 is blocked on. */
    enum Closer {
        FIBER_OF_THE_SAME_LOOP, FIBER_OF_ANOTHER_LOOP, PLATFORM_THREAD;

        void close(ConnectedPair pair) throws Exception {
            switch (this) {
                case FIBER_OF_THE_SAME_LOOP -> Fiber.builder().loop(pair.group.loop(0)).start(pair.stream::close).join(WAIT);
                case FIBER_OF_ANOTHER_LOOP -> Fiber.builder().loop(pair.group.loop(1)).start(pair.stream::close).join(WAIT);
                case PLATFORM_THREAD -> pair.stream.close();
            }
        }
    }

    static Stream<Arguments> closersInBothModes() {
        return Stream.of(SchedulerMode.values())
                .flatMap(mode -> Stream.of(Closer.values()).map(closer -> Arguments.of(mode, closer)));
    }

    @ParameterizedTest(name = "{0}, closed by a {1}")
    @MethodSource("closersInBothModes")
    void closing_a_stream_wakes_its_blocked_reader_with_stream_closed(SchedulerMode mode, Closer closer) throws Exception {
        try (ConnectedPair pair = new ConnectedPair(mode)) {
            Fiber<Throwable> reader = pair.start(() -> catchThrowable(() -> pair.stream.read(ByteBuffer.allocate(10))));
            await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED);
            closer.close(pair);
            assertThat(reader.join(WAIT)).isInstanceOf(StreamClosedException.class)
                    .isInstanceOf(AsynchronousCloseException.class);
        }
    }

    @Test
    void aborting_a_stream_wakes_its_writer_blocked_above_the_high_water_mark_with_stream_closed() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.highWaterMark(4096);
            Fiber<Throwable> writer = pair.start(() -> catchThrowable(() -> {
                while (true) { // the peer never reads
                    pair.stream.write(new byte[4096]);
                }
            }));
            await().atMost(WAIT).until(() -> writer.state() == FiberState.PARKED && pair.stream.pendingWriteBytes() > 1024);
            pair.stream.abort();
            assertThat(writer.join(WAIT)).isInstanceOf(StreamClosedException.class);
        }
    }

    @Test
    void every_operation_on_a_closed_stream_fails_with_stream_closed() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            TcpStream stream = pair.stream;
            stream.close();
            List<Callable<?>> operations = List.of(
                    () -> stream.read(ByteBuffer.allocate(1)),
                    () -> stream.readExactly(1),
                    () -> stream.readUntil(new byte[] {'\n'}, 10),
                    () -> stream.readLine(10),
                    () -> {
                        stream.write(new byte[1]);
                        return null;
                    },
                    () -> {
                        stream.flush();
                        return null;
                    },
                    () -> {
                        stream.shutdownOutput();
                        return null;
                    });
            for (Callable<?> operation : operations) {
                assertThat(catchThrowable(() -> pair.inFiber(operation))).isInstanceOf(StreamClosedException.class);
            }
        }
    }

    @Test
    void close_is_idempotent_and_the_peer_reads_end_of_stream() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.close();
            pair.stream.close();
            assertThat(pair.stream.isOpen()).isFalse();
            assertThat(pair.peer.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void close_first_sends_the_bytes_still_queued() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            byte[] large = new byte[8 * 1024 * 1024];
            new Random(21).nextBytes(large);
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return pair.peer.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            pair.inFiber(() -> {
                pair.stream.highWaterMark(Integer.MAX_VALUE); // queue it all, no waiting in write
                pair.stream.write(large);
                pair.stream.close();
                return null;
            });
            assertThat(received.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(large);
        }
    }

    @Test
    void close_gives_up_on_queued_bytes_after_the_write_timeout_when_the_peer_does_not_read() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.highWaterMark(Integer.MAX_VALUE).writeTimeout(Duration.ofMillis(200));
            pair.inFiber(() -> {
                pair.stream.write(new byte[32 * 1024 * 1024]); // far more than the socket buffers hold
                pair.stream.close();
                return null;
            });
            assertThat(pair.stream.isOpen()).isFalse();
        }
    }

    @Test
    void closing_a_stream_while_read_exactly_waits_for_the_rest_is_not_mistaken_for_end_of_stream() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            Fiber<Throwable> reader = pair.start(() -> catchThrowable(() -> pair.stream.readExactly(10)));
            pair.peerWrites("12345".getBytes(US_ASCII));
            await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED && pair.stream.buffered() == 5);
            pair.stream.close();
            assertThat(reader.join(WAIT)).isExactlyInstanceOf(StreamClosedException.class);
        }
    }
}
