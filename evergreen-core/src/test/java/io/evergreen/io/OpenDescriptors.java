package io.evergreen.io;

import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * The process's open file descriptors, counted in {@code /proc/self/fd} (Linux).
 * <p>
 * A closed channel that is registered with a selector keeps its descriptor until the selector's next poll
 * deregisters it, so counts are awaited, not read once. Some descriptors are opened once per JVM, lazily, and
 * stay open: the jar of a test library when its first class loads, and the JDK's "pre-close" socket when the
 * first NIO socket channel is created. The first use of this class opens them all, so that a baseline taken
 * afterwards does not move for that reason.
 */
final class OpenDescriptors {

    private static final Path FD_DIRECTORY = Path.of("/proc/self/fd");
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final int LISTED_AT_MOST = 100;

    static {
        Assertions.assertThat(Awaitility.await().atMost(SETTLE_TIMEOUT)).isNotNull();
        Assertions.assertThat(equalTo(0L).matches(0L)).isTrue();
        Assertions.catchThrowable(() -> {
            throw new IOException("warm-up");
        });
        try (ServerSocketChannel listener = ServerSocketChannel.open();
             SocketChannel client = SocketChannel.open();
             DatagramChannel datagrams = DatagramChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client.connect(listener.getLocalAddress());
            listener.accept().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private OpenDescriptors() {
    }

    /** Skips the calling test where descriptors cannot be counted (not Linux). */
    static void assumeCountable() {
        assumeThat(Files.isDirectory(FD_DIRECTORY)).as("/proc/self/fd is readable").isTrue();
    }

    /** The number of descriptors open right now (the listing's own descriptor included, every time). */
    static long count() {
        try (Stream<Path> entries = Files.list(FD_DIRECTORY)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A baseline: the count once it stopped moving (descriptors closed by earlier tests have been released). */
    static long settledCount() {
        long[] previous = {-1};
        await("descriptor count settles").atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            long now = count();
            boolean stable = now == previous[0];
            previous[0] = now;
            return stable;
        });
        return previous[0];
    }

    /** Waits until the count is back to {@code baseline}; fails listing what is open (the first 100) if it never is. */
    static void awaitBackTo(long baseline) {
        try {
            await("descriptor count back to " + baseline).atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(OpenDescriptors::count, equalTo(baseline));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; open now:\n" + describeOpen(), e);
        }
    }

    private static String describeOpen() {
        try (Stream<Path> entries = Files.list(FD_DIRECTORY)) {
            return entries.limit(LISTED_AT_MOST).map(fd -> {
                try {
                    return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    return fd.getFileName() + " (closed meanwhile)";
                }
            }).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(cannot list: " + e + ")";
        }
    }
}
