package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Buffered reads: {@code readUntil}, {@code readLine}, {@code readExactly} and {@code read} consume one buffer;
 * a read that fails (limit exceeded, end of stream) loses none of the bytes that arrived; end of stream is
 * reported distinctly from errors.
 */
class TcpReadingTest {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LF = {'\n'};

    private ConnectedPair pair;
    private TcpStream stream;

    @BeforeEach
    void connect() throws Exception {
        pair = new ConnectedPair();
        stream = pair.stream;
    }

    @AfterEach
    void close() throws Exception {
        pair.close();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    /** Random bytes without any {@code '\n'}: no delimiter used here can occur in them. */
    private static byte[] bytesWithoutLineFeeds(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r') {
                bytes[i] = 'x';
            }
        }
        return bytes;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    // ---------------------------------------------------------------- readUntil

    @Test
    void read_until_returns_the_bytes_up_to_and_including_the_delimiter_and_leaves_the_rest() throws Exception {
        pair.peerWrites(ascii("GET / HTTP/1.1\r\nHost: evergreen\r\n"));
        assertThat(pair.inFiber(() -> stream.readUntil(CRLF, 100))).isEqualTo(ascii("GET / HTTP/1.1\r\n"));
        assertThat(pair.inFiber(() -> stream.readUntil(CRLF, 100))).isEqualTo(ascii("Host: evergreen\r\n"));
    }

    @Test
    void read_until_finds_a_delimiter_split_across_two_arrivals() throws Exception {
        pair.peerWrites(ascii("abc\r"));
        Fiber<byte[]> reader = pair.start(() -> stream.readUntil(CRLF, 100));
        await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED && stream.buffered() == 4);
        pair.peerWrites(ascii("\ndef"));
        assertThat(reader.join(WAIT)).isEqualTo(ascii("abc\r\n"));
        assertThat(pair.inFiber(() -> stream.readExactly(3))).isEqualTo(ascii("def"));
    }

    @Test
    void read_until_fails_with_read_limit_exceeded_when_max_bytes_arrive_without_the_delimiter() throws Exception {
        pair.peerWrites(bytesWithoutLineFeeds(64, 1));
        ReadLimitExceededException exceeded = catchThrowableOfType(ReadLimitExceededException.class,
                () -> pair.inFiber(() -> stream.readUntil(LF, 64)));
        assertThat(exceeded).isNotNull();
        assertThat(exceeded.limit()).isEqualTo(64);
    }

    @Test
    void the_bytes_read_before_the_limit_was_exceeded_stay_buffered_and_are_returned_by_read_exactly() throws Exception {
        byte[] sent = bytesWithoutLineFeeds(64, 2);
        pair.peerWrites(sent);
        ReadLimitExceededException exceeded = catchThrowableOfType(ReadLimitExceededException.class,
                () -> pair.inFiber(() -> stream.readUntil(LF, 64)));
        assertThat(exceeded.buffered()).isEqualTo(64);
        assertThat(stream.buffered()).isEqualTo(64);
        assertThat(pair.inFiber(() -> stream.readExactly(64))).isEqualTo(sent);
    }

    @Test
    void the_bytes_read_before_the_limit_was_exceeded_are_returned_by_read() throws Exception {
        byte[] sent = bytesWithoutLineFeeds(64, 3);
        pair.peerWrites(sent);
        catchThrowableOfType(ReadLimitExceededException.class, () -> pair.inFiber(() -> stream.readUntil(LF, 64)));
        ByteBuffer received = ByteBuffer.allocate(1000);
        int n = pair.inFiber(() -> stream.read(received));
        assertThat(n).isEqualTo(64);
        assertThat(Arrays.copyOf(received.array(), n)).isEqualTo(sent);
    }

    @Test
    void bytes_arriving_after_the_limit_was_exceeded_follow_the_buffered_ones_in_order() throws Exception {
        byte[] first = bytesWithoutLineFeeds(5000, 4);
        byte[] later = bytesWithoutLineFeeds(3000, 5);
        pair.peerWrites(first);
        ReadLimitExceededException exceeded = catchThrowableOfType(ReadLimitExceededException.class,
                () -> pair.inFiber(() -> stream.readUntil(LF, 1000)));
        assertThat(exceeded.buffered()).isGreaterThanOrEqualTo(1000);
        assertThat(stream.buffered()).isEqualTo(exceeded.buffered());
        pair.peerWrites(later);
        assertThat(pair.inFiber(() -> stream.readExactly(8000))).isEqualTo(concat(first, later));
    }

    @Test
    void a_delimiter_ending_exactly_at_max_bytes_is_found() throws Exception {
        byte[] line = concat(bytesWithoutLineFeeds(63, 6), LF);
        pair.peerWrites(line);
        assertThat(pair.inFiber(() -> stream.readUntil(LF, 64))).isEqualTo(line);
    }

    @Test
    void a_delimiter_ending_past_max_bytes_is_not_found_and_nothing_is_consumed() throws Exception {
        byte[] line = concat(bytesWithoutLineFeeds(64, 7), LF);
        pair.peerWrites(line);
        assertThat(catchThrowableOfType(ReadLimitExceededException.class,
                () -> pair.inFiber(() -> stream.readUntil(LF, 64)))).isNotNull();
        assertThat(pair.inFiber(() -> stream.readUntil(LF, 65))).isEqualTo(line);
    }

    @Test
    void end_of_stream_before_the_delimiter_makes_read_until_throw_incomplete_read_keeping_the_bytes() throws Exception {
        pair.peerWrites(ascii("no delimiter"));
        pair.peer.shutdownOutput();
        IncompleteReadException incomplete = catchThrowableOfType(IncompleteReadException.class,
                () -> pair.inFiber(() -> stream.readUntil(CRLF, 100)));
        assertThat(incomplete.expected()).isEqualTo(-1);
        assertThat(incomplete.buffered()).isEqualTo(12);
        assertThat(pair.inFiber(() -> stream.readExactly(12))).isEqualTo(ascii("no delimiter"));
    }

    // ---------------------------------------------------------------- readLine

    @Test
    void read_line_strips_lf_and_crlf_terminators() throws Exception {
        pair.peerWrites(ascii("one\ntwo\r\n\nthree\n"));
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("one");
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("two");
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEmpty();
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("three");
    }

    @Test
    void read_line_decodes_utf8() throws Exception {
        pair.peerWrites("grün, 常青\n".getBytes(UTF_8));
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("grün, 常青");
    }

    @Test
    void read_line_fails_with_read_limit_exceeded_when_no_line_ends_within_max_bytes() throws Exception {
        pair.peerWrites(ascii("a line much longer than ten bytes"));
        ReadLimitExceededException exceeded = catchThrowableOfType(ReadLimitExceededException.class,
                () -> pair.inFiber(() -> stream.readLine(10)));
        assertThat(exceeded.limit()).isEqualTo(10);
    }

    @Test
    void a_line_that_exceeded_the_limit_is_still_there_for_a_larger_limit() throws Exception {
        pair.peerWrites(ascii("a line much longer than ten bytes"));
        catchThrowableOfType(ReadLimitExceededException.class, () -> pair.inFiber(() -> stream.readLine(10)));
        pair.peerWrites(ascii("\r\n"));
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("a line much longer than ten bytes");
    }

    @Test
    void read_line_returns_a_last_line_without_terminator_then_null() throws Exception {
        pair.peerWrites(ascii("complete\nlast"));
        pair.peer.shutdownOutput();
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("complete");
        assertThat(pair.inFiber(() -> stream.readLine(100))).isEqualTo("last");
        assertThat(pair.inFiber(() -> stream.readLine(100))).isNull();
    }

    // ---------------------------------------------------------------- readExactly and read

    @Test
    void read_exactly_gathers_bytes_that_arrive_in_several_pieces() throws Exception {
        Fiber<byte[]> reader = pair.start(() -> stream.readExactly(9));
        for (String piece : new String[] {"abc", "def", "ghi"}) {
            await().atMost(WAIT).until(() -> reader.state() == FiberState.PARKED);
            pair.peerWrites(ascii(piece));
        }
        assertThat(reader.join(WAIT)).isEqualTo(ascii("abcdefghi"));
    }

    @Test
    void read_exactly_at_end_of_stream_throws_incomplete_read_saying_what_was_expected_and_buffered() throws Exception {
        pair.peerWrites(ascii("ten bytes!"));
        pair.peer.shutdownOutput();
        IncompleteReadException incomplete = catchThrowableOfType(IncompleteReadException.class,
                () -> pair.inFiber(() -> stream.readExactly(20)));
        assertThat(incomplete.expected()).isEqualTo(20);
        assertThat(incomplete.buffered()).isEqualTo(10);
        assertThat(stream.buffered()).isEqualTo(10);
    }

    @Test
    void the_bytes_of_an_incomplete_read_exactly_are_returned_by_read_then_end_of_stream() throws Exception {
        pair.peerWrites(ascii("ten bytes!"));
        pair.peer.shutdownOutput();
        catchThrowableOfType(IncompleteReadException.class, () -> pair.inFiber(() -> stream.readExactly(20)));
        ByteBuffer received = ByteBuffer.allocate(100);
        assertThat(pair.inFiber(() -> stream.read(received))).isEqualTo(10);
        assertThat(Arrays.copyOf(received.array(), 10)).isEqualTo(ascii("ten bytes!"));
        assertThat(pair.inFiber(() -> stream.read(received))).isEqualTo(-1);
    }

    @Test
    void read_into_a_full_buffer_returns_zero_without_waiting() throws Exception {
        assertThat(pair.inFiber(() -> stream.read(ByteBuffer.allocate(0)))).isZero();
    }

    @Test
    void a_second_reader_while_one_waits_is_refused_with_illegal_state() throws Exception {
        Fiber<Integer> first = pair.start(() -> stream.read(ByteBuffer.allocate(10)));
        await().atMost(WAIT).until(() -> first.state() == FiberState.PARKED);
        Throwable second = catchThrowable(() -> pair.inFiber(() -> stream.read(ByteBuffer.allocate(10))));
        assertThat(second).isInstanceOf(IllegalStateException.class).hasMessageContaining("one reader at a time");
        pair.peerWrites(ascii("x"));
        assertThat(first.join(WAIT)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- end of stream is not an error

    @Test
    void end_of_stream_makes_read_return_minus_one() throws Exception {
        pair.peer.shutdownOutput();
        assertThat(pair.inFiber(() -> stream.read(ByteBuffer.allocate(10)))).isEqualTo(-1);
    }

    @Test
    void end_of_stream_makes_read_line_return_null() throws Exception {
        pair.peer.shutdownOutput();
        assertThat(pair.inFiber(() -> stream.readLine(100))).isNull();
    }

    @Test
    void end_of_stream_makes_read_exactly_throw_an_eof_exception_not_a_generic_io_exception() throws Exception {
        pair.peer.close();
        EOFException endOfStream = catchThrowableOfType(EOFException.class,
                () -> pair.inFiber(() -> stream.readExactly(1)));
        assertThat(endOfStream).isExactlyInstanceOf(IncompleteReadException.class);
        assertThat(stream.isOpen()).isTrue();
    }
}
