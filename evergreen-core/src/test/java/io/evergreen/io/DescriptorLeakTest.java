package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static io.evergreen.io.Loopback.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every way a connection can end gives its descriptor back: counted in {@code /proc/self/fd} before and
 * after (awaited, since a selector releases a closed channel's descriptor at its next poll).
 */
class DescriptorLeakTest {

    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);

    @BeforeAll
    static void descriptorsAreCountable() {
        OpenDescriptors.assumeCountable();
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_refused_connect_releases_its_descriptor(SchedulerMode mode) throws Exception {
        InetSocketAddress closed = Loopback.closedPort();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            long baseline = OpenDescriptors.settledCount();
            Throwable failure = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(closed, CONNECT_TIMEOUT))).join(WAIT);
            assertThat(failure).isInstanceOf(ConnectException.class);
            OpenDescriptors.awaitBackTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_connect_that_timed_out_releases_its_descriptor(SchedulerMode mode) throws Exception {
        try (Loopback.SaturatedListener saturated = new Loopback.SaturatedListener(PROBE_TIMEOUT);
             EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            long baseline = OpenDescriptors.settledCount();
            Throwable failure = Fiber.builder().loop(group.loop(0))
                    .start(() -> catchThrowable(() -> TcpStream.connect(saturated.address(), PROBE_TIMEOUT))).join(WAIT);
            assertThat(failure).isInstanceOf(SocketTimeoutException.class);
            OpenDescriptors.awaitBackTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_stream_closed_from_a_platform_thread_releases_its_descriptor(SchedulerMode mode) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode);
             TcpServer server = Loopback.echoServer(group)) {
            long baseline = OpenDescriptors.settledCount();
            TcpStream stream = Fiber.builder().loop(group.loop(0))
                    .start(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)).join(WAIT);
            stream.write(new byte[] {1, 2, 3});
            assertThat(stream.readExactly(3)).containsExactly(1, 2, 3);
            stream.close();
            OpenDescriptors.awaitBackTo(baseline);
        }
    }
}
