package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static io.evergreen.io.Loopback.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A peer that resets the connection (a plain socket closed with linger 0) while a fiber waits on the
 * stream: the fiber wakes with {@link ConnectionResetException}, the stream is closed and its descriptor
 * released. Resets do not depend on the LOOP guarantee: both scheduler modes.
 */
class TcpResetTest {

    private static final int HIGH_WATER_MARK = 16 * 1024;

    @BeforeAll
    static void descriptorsAreCountable() {
        OpenDescriptors.assumeCountable();
    }

    /** What a fiber blocked on a stream went through when its peer reset the connection. */
    private record Outcome(TcpStream stream, Throwable failure) {
    }

    /** A fiber blocks reading from a stream whose peer then resets. */
    private static Outcome resetWhileReading(EventLoopGroup group) throws Exception {
        try (ServerSocket listener = Loopback.plainListener()) {
            TcpStream stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(listener.getLocalSocketAddress(), CONNECT_TIMEOUT)).join(WAIT);
            Socket peer = listener.accept();
            Fiber<Throwable> reader = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> stream.read(ByteBuffer.allocate(100))));
            await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED);
            Loopback.reset(peer);
            return new Outcome(stream, reader.join(WAIT));
        }
    }

    /**
     * A fiber writes to a peer that does not read until the queue passes the high-water mark and the write
     * blocks; then the peer resets.
     */
    private static Outcome resetWhileWriting(EventLoopGroup group) throws Exception {
        try (ServerSocket listener = Loopback.plainListener()) {
            TcpStream stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(listener.getLocalSocketAddress(), CONNECT_TIMEOUT)).join(WAIT);
            stream.highWaterMark(HIGH_WATER_MARK);
            Socket peer = listener.accept();
            Fiber<Throwable> writer = Fiber.builder().loop(group.loop(0)).start(() -> catchThrowable(() -> {
                byte[] chunk = new byte[8 * 1024];
                while (true) {
                    stream.write(chunk);
                }
            }));
            try {
            await().atMost(WAIT).until(() -> writer.state() == FiberState.PARKED
                    && stream.pendingWriteBytes() > HIGH_WATER_MARK / 4);
            } catch (Throwable t) { System.err.println("DEBUG " + writer.state() + " " + stream.pendingWriteBytes() + " " + writer.failure() + " " + writer.thread().getState()); for (var e : writer.thread().getStackTrace()) System.err.println("  " + e); throw t; }
            Loopback.reset(peer);
            return new Outcome(stream, writer.join(WAIT));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_reset_while_a_fiber_reads_wakes_it_with_connection_reset(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Outcome outcome = resetWhileReading(group);
            assertThat(outcome.failure()).isExactlyInstanceOf(ConnectionResetException.class)
                    .isInstanceOf(SocketException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_reset_while_a_fiber_reads_closes_the_stream_and_releases_its_descriptor(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            long baseline = OpenDescriptors.settledCount();
            Outcome outcome = resetWhileReading(group);
            assertThat(outcome.stream().isOpen()).isFalse();
            OpenDescriptors.awaitBackTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_reset_while_a_fiber_waits_to_write_wakes_it_with_connection_reset(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            Outcome outcome = resetWhileWriting(group);
            assertThat(outcome.failure()).isExactlyInstanceOf(ConnectionResetException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_reset_while_a_fiber_waits_to_write_closes_the_stream_and_releases_its_descriptor(SchedulerMode mode)
            throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            long baseline = OpenDescriptors.settledCount();
            Outcome outcome = resetWhileWriting(group);
            assertThat(outcome.stream().isOpen()).isFalse();
            OpenDescriptors.awaitBackTo(baseline);
        }
    }

    @Test
    void a_client_reset_wakes_the_server_handler_blocked_reading_with_connection_reset() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            Result<Throwable> handlerFailure = new Result<>();
            Result<Fiber<?>> handlerFiber = new Result<>();
            try (TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                handlerFiber.complete(Fiber.current());
                handlerFailure.complete(catchThrowable(() -> stream.readExactly(100)));
            })) {
                Socket client = new Socket(server.localAddress().getAddress(), server.localAddress().getPort());
                Fiber<?> handler = handlerFiber.await(WAIT);
                await().atMost(WAIT).until(() -> handler.state() == FiberState.PARKED);
                Loopback.reset(client);
                assertThat(handlerFailure.await(WAIT)).isExactlyInstanceOf(ConnectionResetException.class);
                await().atMost(WAIT).until(() -> server.liveConnections() == 0);
            }
        }
    }

    /** What the reader and the writer of {@link #resetWhileReadingAndWriting} ended with. */
    private record BothOutcomes(Object reader, Throwable writer) {
    }

    /**
     * A fiber of the stream's loop blocks reading while a fiber of the other loop blocks writing above the
     * high-water mark; then the peer resets. The reader ends with what it threw, or what {@code read} returned.
     */
    private static BothOutcomes resetWhileReadingAndWriting(EventLoopGroup group) throws Exception {
        try (ServerSocket listener = Loopback.plainListener()) {
            TcpStream stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(listener.getLocalSocketAddress(), CONNECT_TIMEOUT)).join(WAIT);
            stream.highWaterMark(HIGH_WATER_MARK);
            Socket peer = listener.accept();
            Fiber<Object> reader = Fiber.builder().loop(group.loop(0)).start(() -> {
                try {
                    return stream.read(ByteBuffer.allocate(100));
                } catch (IOException e) {
                    return e;
                }
            });
            Fiber<Throwable> writer = Fiber.builder().loop(group.loop(1)).start(() -> catchThrowable(() -> {
                while (true) {
                    stream.write(new byte[8 * 1024]);
                }
            }));
            await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED && writer.state() == FiberState.PARKED
                    && stream.pendingWriteBytes() > HIGH_WATER_MARK / 4);
            Loopback.reset(peer);
            return new BothOutcomes(reader.join(WAIT), writer.join(WAIT));
        }
    }

    /**
     * In LOOP mode every system call on the stream runs on its loop, one at a time: whichever side meets the
     * reset first closes the stream, and the stream reports the reset to the other side too.
     */
    @Test
    void a_reset_wakes_both_a_blocked_reader_and_a_blocked_writer_with_connection_reset() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.LOOP)) {
            BothOutcomes outcomes = resetWhileReadingAndWriting(group);
            assertThat(outcomes.reader()).isExactlyInstanceOf(ConnectionResetException.class);
            assertThat(outcomes.writer()).isExactlyInstanceOf(ConnectionResetException.class);
        }
    }

    /**
     * In JDK mode the reader's {@code read} and the loop's background write may run at the same time on two
     * threads. The kernel reports a reset to one system call only (it clears the socket's error); a read that
     * comes right after it finds end of stream. So the writer (whose background write either meets the reset or
     * finds the stream closed by the reader's) always reports the reset; the reader reports it or end of stream.
     */
    @Test
    void a_reset_wakes_both_a_reader_and_a_writer_blocked_off_the_loop() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2, SchedulerMode.JDK)) {
            BothOutcomes outcomes = resetWhileReadingAndWriting(group);
            assertThat(outcomes.writer()).isExactlyInstanceOf(ConnectionResetException.class);
            assertThat(outcomes.reader()).satisfiesAnyOf(
                    reader -> assertThat(reader).isExactlyInstanceOf(ConnectionResetException.class),
                    reader -> assertThat(reader).isEqualTo(-1));
        }
    }
}
