package io.evergreen.demo.reliability;

import io.evergreen.demo.echo.EchoServer;
import io.evergreen.demo.reliability.EchoFuzzer.Kind;
import io.evergreen.loop.EventLoopGroup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo's line echo server under many concurrent misbehaving clients ({@link EchoFuzzer}): random bytes,
 * partial lines, resets, one-byte trickles, clients that never read. Meanwhile a well-behaved client keeps
 * exchanging lines and gets each one back exactly. Once the fuzzers are gone, so is everything the server held for
 * them: no connection fiber is left, and the process has no more descriptors open than before.
 * <p>
 * Every choice comes from one seed, printed; {@code -Devergreen.fuzz.seed=N} replays a run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = { "evergreen.loops=2",
        "demo.echo.port=0", "demo.echo.max-line-bytes=" + EchoFuzzTests.MAX_LINE_BYTES,
        // Far above any pause of a fuzzer (a few milliseconds), short enough to watch it expire.
        "demo.echo.idle-timeout=3s" })
class EchoFuzzTests {

    static final int MAX_LINE_BYTES = 64;

    private static final long SEED = Long.getLong("evergreen.fuzz.seed", System.nanoTime());

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final int FUZZERS = 50;

    private static final int CONNECTIONS_PER_FUZZER = 8;

    /**
     * Descriptors the JVM may open meanwhile for reasons of its own (a jar's first class, a selector's wake-up
     * pipe); a leak of one per connection would be hundreds.
     */
    private static final int DESCRIPTOR_SLACK = 4;

    @Autowired
    EchoServer echo;

    @Autowired
    EventLoopGroup group;

    @Test
    void fuzzedConnectionsLeaveNothingBehindWhileAWellBehavedClientIsServedThroughout() throws Exception {
        System.out.println("EchoFuzzTests seed: " + SEED + " (replay with -Devergreen.fuzz.seed=" + SEED + ")");
        OpenDescriptors.assumeCountable();
        for (Kind kind : Kind.values()) {
            // One of each first, so that the classes and the JVM's own descriptors are in place for the baseline.
            new EchoFuzzer(echo.port(), MAX_LINE_BYTES, PATIENCE, SEED).run(kind);
        }
        awaitNoConnectionFiber();
        long descriptors = settledDescriptorCount();

        AtomicBoolean fuzzing = new AtomicBoolean(true);
        // Platform threads: a fuzzer that never reads writes without ever blocking, and on the JDK's virtual thread
        // scheduler (one carrier per CPU) a few of those would starve the well-behaved client of the test's side.
        try (ExecutorService clients = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            Future<Integer> wellBehaved = clients.submit(() -> exchangeLinesWhile(fuzzing));
            List<Future<?>> fuzzers = new ArrayList<>();
            for (int f = 0; f < FUZZERS; f++) {
                int fuzzer = f;
                fuzzers.add(clients.submit(() -> {
                    EchoFuzzer client = new EchoFuzzer(echo.port(), MAX_LINE_BYTES, PATIENCE, SEED + 1 + fuzzer);
                    for (int c = 0; c < CONNECTIONS_PER_FUZZER; c++) {
                        client.run(Kind.values()[(fuzzer + c) % Kind.values().length]);
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> fuzzer : fuzzers) {
                    fuzzer.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
                }
            } finally {
                fuzzing.set(false);
            }
            assertThat(wellBehaved.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("lines the well-behaved client exchanged during the fuzz (seed %d)", SEED)
                .isPositive();
        }

        awaitNoConnectionFiber();
        try {
            await("descriptors back to " + descriptors + " (± " + DESCRIPTOR_SLACK + ")").atMost(PATIENCE)
                .until(() -> OpenDescriptors.count() <= descriptors + DESCRIPTOR_SLACK);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + " (seed " + SEED + "); open now:\n" + OpenDescriptors.describe(), e);
        }
    }

    /**
     * The slowloris of the other direction: a client that sends lines, never reads their echoes and never leaves.
     * The server's writes stall; once they have waited the idle timeout, the server drops the connection, and the
     * fiber and buffers it held are freed, though the client is still there.
     */
    @Test
    void aClientThatStopsReadingButStaysIsDroppedAfterTheIdleTimeout() throws Exception {
        awaitNoConnectionFiber();
        try (SocketChannel stalled = new EchoFuzzer(echo.port(), MAX_LINE_BYTES, PATIENCE, SEED).stallServerWrites()) {
            await("the stalled connection's fiber ends (seed " + SEED + ")").atMost(PATIENCE)
                .until(() -> group.liveFibers() == 0);

            assertThat(stalled.isOpen()).isTrue();
            stalled.socket().setSoTimeout((int) PATIENCE.toMillis());
            assertThat(drainUntilTheServerCloses(stalled.socket().getInputStream())).isTrue();
        }
    }

    /** Whether the stream ended (end of stream, or a reset) before the read timeout: the echoes queued are lost. */
    private static boolean drainUntilTheServerCloses(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try {
            while (in.read(buffer) >= 0) {
                // Echoes that made it before the server gave up.
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    /**
     * One connection for the whole fuzz: a line out, the same line back, until the fuzzers are done.
     * @return the lines exchanged
     */
    private int exchangeLinesWhile(AtomicBoolean fuzzing) throws Exception {
        Random random = new Random(SEED - 1);
        AtomicInteger exchanged = new AtomicInteger();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", echo.port()), (int) PATIENCE.toMillis());
            socket.setSoTimeout((int) PATIENCE.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            while (fuzzing.get()) {
                String line = "line " + exchanged.get() + " " + Long.toHexString(random.nextLong());
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).as("echo of the well-behaved client's line %d (seed %d)", exchanged.get(), SEED)
                    .isEqualTo(line);
                exchanged.incrementAndGet();
            }
        }
        return exchanged.get();
    }

    private void awaitNoConnectionFiber() {
        await("no connection fiber left (seed " + SEED + ")").atMost(PATIENCE).until(() -> group.liveFibers() == 0);
    }

    /** The count once it stopped moving: descriptors closed by what ran before have been released. */
    private static long settledDescriptorCount() {
        long[] previous = { -1 };
        await("descriptor count settles").atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            long now = OpenDescriptors.count();
            boolean stable = now == previous[0];
            previous[0] = now;
            return stable;
        });
        return previous[0];
    }
}
