package io.evergreen.io;

import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.evergreen.io.Loopback.WAIT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code shutdownOutput()} closes the sending side only: the peer reads end of stream after everything
 * written, and the stream goes on reading the peer's reply (the request/response pattern of HTTP/1.0 and
 * many line protocols). Independent of the LOOP guarantee: both scheduler modes.
 */
class TcpHalfCloseTest {

    private static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void after_shutdown_output_the_peer_reads_what_was_written_then_end_of_stream(SchedulerMode mode) throws Exception {
        try (ConnectedPair pair = new ConnectedPair(mode)) {
            pair.inFiber(() -> {
                pair.stream.write(ascii("request"));
                pair.stream.shutdownOutput();
                return null;
            });
            InputStream fromStream = pair.peer.getInputStream();
            assertThat(fromStream.readNBytes(7)).isEqualTo(ascii("request"));
            assertThat(fromStream.read()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void after_shutdown_output_the_stream_still_reads_the_peer_reply(SchedulerMode mode) throws Exception {
        try (ConnectedPair pair = new ConnectedPair(mode)) {
            pair.inFiber(() -> {
                pair.stream.write(ascii("request"));
                pair.stream.shutdownOutput();
                return null;
            });
            byte[] request = pair.peer.getInputStream().readAllBytes(); // returns at end of stream
            pair.peerWrites(ascii("reply to " + new String(request, US_ASCII) + "\n"));
            pair.peer.close();
            assertThat(pair.inFiber(() -> pair.stream.readLine(100))).isEqualTo("reply to request");
            assertThat(pair.inFiber(() -> pair.stream.readLine(100))).isNull();
        }
    }

    @Test
    void shutdown_output_first_sends_everything_still_queued() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            byte[] large = new byte[8 * 1024 * 1024]; // more than the socket buffers hold: most of it is queued
            new Random(11).nextBytes(large);
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return pair.peer.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            pair.inFiber(() -> {
                pair.stream.write(large);
                pair.stream.shutdownOutput();
                return null;
            });
            assertThat(received.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(large);
        }
    }

    @Test
    void writing_after_shutdown_output_fails() throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.inFiber(() -> {
                pair.stream.shutdownOutput();
                return null;
            });
            IOException refused = catchThrowableOfType(IOException.class,
                    () -> pair.inFiber(() -> {
                        pair.stream.write(ascii("too late"));
                        return null;
                    }));
            assertThat(refused).hasMessageContaining("output was shut down");
            assertThat(pair.peer.getInputStream().read()).isEqualTo(-1);
        }
    }
}
