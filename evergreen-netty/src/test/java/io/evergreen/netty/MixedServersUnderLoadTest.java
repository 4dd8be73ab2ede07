package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.io.TcpServer;
import io.evergreen.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.evergreen.netty.NettyLoops.WAIT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Netty server and an Evergreen {@link TcpServer} on the same loops at the same time: under concurrent load on
 * both, every connection of each gets its own answers, and both kinds of work run on every loop.
 */
class MixedServersUnderLoadTest {

    private static final int CLIENTS_PER_SERVER = 100;
    private static final int ROUND_TRIPS = 20;

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void a_netty_server_and_an_evergreen_server_on_the_same_loops_both_answer_every_client() throws Exception {
        netty = NettyLoops.start(2);
        Set<String> nettyWorkOn = ConcurrentHashMap.newKeySet();
        Set<String> evergreenWorkOn = ConcurrentHashMap.newKeySet();
        try (LineServer nettyServer = LineServer.bind(netty, (ctx, line) -> {
                 EventLoop loop = netty.loopOf(ctx.channel().eventLoop());
                 Fiber.builder().loop(loop).start(() -> {
                     Fiber.sleep(Duration.ofMillis(1));
                     nettyWorkOn.add(Thread.currentThread().isVirtual() + " on " + EventLoop.current());
                     ctx.writeAndFlush("netty " + line + "\n");
                     return null;
                 });
             });
             TcpServer evergreenServer = TcpServer.bind(netty.loops(), NettyLoops.anyLoopbackPort(), stream -> {
                 for (String line; (line = stream.readLine(8192)) != null; ) {
                     Fiber.sleep(Duration.ofMillis(1));
                     evergreenWorkOn.add(Thread.currentThread().isVirtual() + " on " + EventLoop.current());
                     stream.write(("evergreen " + line + "\n").getBytes(UTF_8));
                 }
             });
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<String>>> nettyAnswers = new ArrayList<>();
            List<Future<List<String>>> evergreenAnswers = new ArrayList<>();
            for (int c = 0; c < CLIENTS_PER_SERVER; c++) {
                nettyAnswers.add(clients.submit(() -> talk(nettyServer.address(), "n", go)));
                evergreenAnswers.add(clients.submit(() -> talk(evergreenServer.localAddress(), "e", go)));
            }
            go.countDown();
            for (int c = 0; c < CLIENTS_PER_SERVER; c++) {
                assertThat(nettyAnswers.get(c).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .containsExactlyElementsOf(expectedAnswers("netty", "n"));
                assertThat(evergreenAnswers.get(c).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .containsExactlyElementsOf(expectedAnswers("evergreen", "e"));
            }
        }
        Set<String> everyLoop = Set.of("true on " + netty.loops().loop(0), "true on " + netty.loops().loop(1));
        assertThat(nettyWorkOn).isEqualTo(everyLoop);
        assertThat(evergreenWorkOn).isEqualTo(everyLoop);
    }

    /** One client: waits for the start, then asks its server {@link #ROUND_TRIPS} times in a row. */
    private static List<String> talk(InetSocketAddress server, String prefix, CountDownLatch go) throws Exception {
        List<String> answers = new ArrayList<>();
        try (LineClient client = new LineClient(server)) {
            go.await();
            for (int i = 0; i < ROUND_TRIPS; i++) {
                answers.add(client.exchange(prefix + i));
            }
        }
        return answers;
    }

    private static List<String> expectedAnswers(String server, String prefix) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ROUND_TRIPS; i++) {
            expected.add(server + " " + prefix + i);
        }
        return expected;
    }
}
