package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.netty.channel.ChannelHandlerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static io.evergreen.netty.NettyLoops.WAIT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Netty server on a {@link NettyLoopGroup} is served by the Evergreen loop threads themselves, and a fiber that
 * a channel handler starts on its channel's loop may block as fibers do (sleep, a lock, a JDK socket) and answer
 * through Netty from there.
 */
class NettyServerOnLoopThreadsTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    /** The Evergreen loop whose thread serves the channel of {@code ctx}. */
    private EventLoop loopOf(ChannelHandlerContext ctx) {
        return netty.loopOf(ctx.channel().eventLoop());
    }

    /** Starts a fiber on the channel's loop that computes the answer and writes it, line feed added. */
    private void answerFromFiber(ChannelHandlerContext ctx, Callable<String> answer) {
        Fiber.builder().loop(loopOf(ctx)).start(() -> {
            ctx.writeAndFlush(answer.call() + "\n");
            return null;
        });
    }

    @Test
    void channel_read_runs_on_the_thread_of_the_evergreen_loop_that_owns_the_channel() throws Exception {
        netty = NettyLoops.start(2);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> {
            EventLoop owner = loopOf(ctx);
            boolean onOwnerThread = Thread.currentThread() == owner.thread();
            ctx.writeAndFlush(onOwnerThread + " " + (EventLoop.current() == owner) + " " + owner.inLoop() + "\n");
        })) {
            for (int i = 0; i < 4; i++) {
                assertThat(LineClient.exchange(server.address(), "where")).isEqualTo("true true true");
            }
        }
    }

    @Test
    void connections_are_spread_over_the_loops_round_robin() throws Exception {
        netty = NettyLoops.start(3);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush(loopOf(ctx).index() + "\n"))) {
            List<Integer> loopIndexes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                loopIndexes.add(Integer.parseInt(LineClient.exchange(server.address(), "which loop")));
            }
            for (int i = 1; i < loopIndexes.size(); i++) {
                assertThat(loopIndexes.get(i)).as("loop of connection %d in %s", i, loopIndexes)
                        .isEqualTo((loopIndexes.get(i - 1) + 1) % 3);
            }
        }
    }

    @Test
    void a_fiber_started_from_channel_read_runs_on_the_channels_loop_and_answers_after_sleeping() throws Exception {
        netty = NettyLoops.start(2);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> answerFromFiber(ctx, () -> {
            EventLoop owner = loopOf(ctx);
            boolean before = EventLoop.current() == owner && Fiber.current().loop() == owner;
            Fiber.sleep(Duration.ofMillis(20));
            boolean after = EventLoop.current() == owner && owner.inLoop();
            return "slept " + line + " " + before + " " + after;
        }))) {
            assertThat(LineClient.exchange(server.address(), "well")).isEqualTo("slept well true true");
            assertThat(LineClient.exchange(server.address(), "again")).isEqualTo("slept again true true");
        }
    }

    @Test
    void a_fiber_blocked_on_a_lock_answers_once_it_is_released_while_its_loop_keeps_serving() throws Exception {
        netty = NettyLoops.start(1);
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch waitingForLock = new CountDownLatch(1);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> {
            if (!line.equals("locked")) {
                ctx.writeAndFlush("direct " + line + "\n");
                return;
            }
            answerFromFiber(ctx, () -> {
                waitingForLock.countDown();
                lock.lock();
                try {
                    return "got the lock";
                } finally {
                    lock.unlock();
                }
            });
        }); LineClient blocked = new LineClient(server.address())) {
            lock.lock();
            try {
                blocked.send("locked");
                assertThat(waitingForLock.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                // The only loop is free while the fiber waits for the lock: another connection is answered.
                assertThat(LineClient.exchange(server.address(), "meanwhile")).isEqualTo("direct meanwhile");
            } finally {
                lock.unlock();
            }
            assertThat(blocked.readLine()).isEqualTo("got the lock");
        }
    }

    @Test
    void a_fiber_blocked_in_a_jdk_socket_call_answers_with_what_the_backend_sent() throws Exception {
        netty = NettyLoops.start(2);
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             LineServer server = LineServer.bind(netty, (ctx, line) -> answerFromFiber(ctx,
                     () -> askBackend(backend, line)))) {
            Thread backendThread = Thread.ofPlatform().daemon(true).start(() -> serveOneLineEach(backend));
            assertThat(LineClient.exchange(server.address(), "one")).isEqualTo("backend says ONE");
            assertThat(LineClient.exchange(server.address(), "two")).isEqualTo("backend says TWO");
            backend.close();
            backendThread.join(WAIT);
        }
    }

    /** A blocking {@code java.net} round trip: in a fiber it parks the fiber, not the loop. */
    private static String askBackend(ServerSocket backend, String line) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), backend.getLocalPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((line + "\n").getBytes(UTF_8));
            out.flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8)).readLine();
        }
    }

    private static void serveOneLineEach(ServerSocket backend) {
        while (!backend.isClosed()) {
            try (Socket peer = backend.accept()) {
                String line = new BufferedReader(new InputStreamReader(peer.getInputStream(), UTF_8)).readLine();
                peer.getOutputStream().write(("backend says " + line.toUpperCase() + "\n").getBytes(UTF_8));
            } catch (Exception closed) {
                // The test closed the backend.
            }
        }
    }

    @Test
    void five_hundred_concurrent_connections_are_each_answered_by_a_fiber_of_their_loop() throws Exception {
        int connections = 500;
        netty = NettyLoops.start(2);
        Map<Integer, AtomicInteger> answeredByLoop = new ConcurrentHashMap<>();
        List<String> wrongLoop = new CopyOnWriteArrayList<>();
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> answerFromFiber(ctx, () -> {
            Fiber.sleep(Duration.ofMillis(10));
            EventLoop loop = EventLoop.current();
            if (loop != loopOf(ctx)) {
                wrongLoop.add(line + " on " + loop);
            }
            answeredByLoop.computeIfAbsent(loop.index(), i -> new AtomicInteger()).incrementAndGet();
            return "answer to " + line;
        })); ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch connected = new CountDownLatch(connections);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                String question = "question " + i;
                answers.add(clients.submit(() -> {
                    try (LineClient client = new LineClient(server.address())) {
                        connected.countDown();
                        go.await();
                        return client.exchange(question);
                    }
                }));
            }
            assertThat(connected.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            go.countDown(); // every connection is open: the questions arrive together
            for (int i = 0; i < connections; i++) {
                assertThat(answers.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("answer to question " + i);
            }
        }
        assertThat(wrongLoop).isEmpty();
        assertThat(answeredByLoop.keySet()).containsExactlyInAnyOrder(0, 1);
        assertThat(answeredByLoop.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(connections);
    }
}
