package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
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

    /** How a connection cycle of the soak test ends; each way must give back every descriptor it used. */
    private enum Ending {
        ECHOED, REFUSED, RESET_BY_PEER, READ_TIMED_OUT, CONNECT_TIMED_OUT;

        /** 60 % echo, 10 % each failure: by the cycle's number, so that the counts are known in advance. */
        static Ending of(int cycle) {
            int slot = cycle % 20;
            return slot < 12 ? ECHOED : values()[1 + (slot - 12) / 2];
        }
    }

    private static final int FIBER_CYCLES = 9_500;
    private static final int SERVER_SIDE_RESET_CYCLES = 500;
    private static final int WORKER_FIBERS = 64;
    private static final Duration FAILURE_TIMEOUT = Duration.ofMillis(2);

    /** The endpoints the soak test's cycles connect to. */
    private record Targets(InetSocketAddress echo, InetSocketAddress silent, InetSocketAddress resetting,
                           InetSocketAddress saturated, InetSocketAddress closed) {
    }

    @Test
    void ten_thousand_connection_cycles_including_refusals_resets_and_timeouts_leave_no_descriptor_open()
            throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer echo = Loopback.echoServer(group);
             TcpServer silent = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 ByteBuffer sink = ByteBuffer.allocate(1024);
                 while (stream.read(sink.clear()) >= 0) { // never replies: the client's read times out
                 }
             });
             Loopback.ResettingListener resetting = new Loopback.ResettingListener();
             Loopback.SaturatedListener saturated = new Loopback.SaturatedListener(PROBE_TIMEOUT)) {
            Targets targets = new Targets(echo.localAddress(), silent.localAddress(), resetting.address(),
                    saturated.address(), Loopback.closedPort());
            long baseline = OpenDescriptors.settledCount();

            Map<Ending, LongAdder> ended = new EnumMap<>(Ending.class);
            for (Ending ending : Ending.values()) {
                ended.put(ending, new LongAdder());
            }
            Queue<String> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger nextCycle = new AtomicInteger();
            List<Fiber<?>> workers = new ArrayList<>();
            for (int w = 0; w < WORKER_FIBERS; w++) {
                workers.add(Fiber.builder().loop(group.loop(w % 2)).start(() -> {
                    for (int cycle; (cycle = nextCycle.getAndIncrement()) < FIBER_CYCLES; ) {
                        Ending ending = Ending.of(cycle);
                        try {
                            runCycle(ending, cycle, targets);
                            ended.get(ending).increment();
                        } catch (Throwable t) {
                            unexpected.add("cycle " + cycle + " (" + ending + "): " + t);
                        }
                    }
                }));
            }
            LongAdder serverSideResets = new LongAdder();
            Thread resettingClient = Thread.ofPlatform().name("resetting-client").start(() -> {
                for (int cycle = 0; cycle < SERVER_SIDE_RESET_CYCLES; cycle++) {
                    try {
                        exchangeThenReset(targets.echo(), cycle);
                        serverSideResets.increment();
                    } catch (Throwable t) {
                        unexpected.add("server-side reset " + cycle + ": " + t);
                    }
                }
            });
            for (Fiber<?> worker : workers) {
                worker.join(Duration.ofSeconds(60));
            }
            assertThat(resettingClient.join(Duration.ofSeconds(60))).isTrue();

            assertThat(unexpected).as("cycles that did not end as planned").isEmpty();
            assertThat(ended.get(Ending.ECHOED).sum()).isEqualTo(FIBER_CYCLES * 12 / 20);
            for (Ending failure : List.of(Ending.REFUSED, Ending.RESET_BY_PEER, Ending.READ_TIMED_OUT,
                    Ending.CONNECT_TIMED_OUT)) {
                assertThat(ended.get(failure).sum()).as(failure.name()).isEqualTo(FIBER_CYCLES * 2 / 20);
            }
            assertThat(serverSideResets.sum()).isEqualTo(SERVER_SIDE_RESET_CYCLES);
            OpenDescriptors.awaitBackTo(baseline);
        }
    }

    /** One connection, from a fiber; returns only when it ended the way {@code ending} says. */
    private static void runCycle(Ending ending, int cycle, Targets targets) throws Exception {
        switch (ending) {
            case ECHOED -> {
                try (TcpStream stream = TcpStream.connect(targets.echo(), CONNECT_TIMEOUT)) {
                    byte[] message = message(cycle);
                    stream.write(message);
                    assertThat(stream.readExactly(message.length)).isEqualTo(message);
                }
            }
            case REFUSED -> expect(ConnectException.class, () -> TcpStream.connect(targets.closed(), CONNECT_TIMEOUT));
            case RESET_BY_PEER -> {
                try (TcpStream stream = TcpStream.connect(targets.resetting(), CONNECT_TIMEOUT)) {
                    stream.write(new byte[] {1});
                    expect(ConnectionResetException.class, () -> stream.read(ByteBuffer.allocate(1)));
                    assertThat(stream.isOpen()).isFalse();
                }
            }
            case READ_TIMED_OUT -> {
                try (TcpStream stream = TcpStream.connect(targets.silent(), CONNECT_TIMEOUT)) {
                    stream.readTimeout(FAILURE_TIMEOUT);
                    expect(SocketTimeoutException.class, () -> stream.readExactly(1));
                }
            }
            case CONNECT_TIMED_OUT ->
                    expect(SocketTimeoutException.class, () -> TcpStream.connect(targets.saturated(), FAILURE_TIMEOUT));
        }
    }

    /** A plain client exchanges a message with the echo server, then resets: the server's stream sees the reset. */
    private static void exchangeThenReset(InetSocketAddress echo, int cycle) throws IOException {
        Socket client = new Socket(echo.getAddress(), echo.getPort());
        try {
            client.setSoTimeout((int) WAIT.toMillis());
            byte[] message = message(cycle);
            client.getOutputStream().write(message);
            InputStream in = client.getInputStream();
            assertThat(in.readNBytes(message.length)).isEqualTo(message);
        } finally {
            Loopback.reset(client);
        }
    }

    private static byte[] message(int cycle) {
        return ByteBuffer.allocate(16).putLong(cycle).putLong(~(long) cycle).array();
    }

    private static void expect(Class<? extends Throwable> expected, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        if (!expected.isInstance(thrown)) {
            throw new AssertionError("expected " + expected.getSimpleName() + " but got " + thrown, thrown);
        }
    }
}
