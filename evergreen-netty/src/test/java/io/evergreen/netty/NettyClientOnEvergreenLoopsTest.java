package io.evergreen.netty;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Netty client on the same Evergreen loops as a Netty server: its handlers run on the loop threads too, and a
 * fiber that waits for a response parks; its loop goes on serving channels, callbacks and other fibers.
 */
class NettyClientOnEvergreenLoopsTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void a_netty_client_on_the_loops_gets_answers_from_a_netty_server_on_the_same_loops() throws Exception {
        netty = NettyLoops.start(2);
        CompletableFuture<String> answer = new CompletableFuture<>();
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush("re: " + line + "\n"))) {
            Channel client = LineClientChannel.connect(netty, server.address(), (ctx, line) -> {
                boolean onLoopThread = Thread.currentThread() == netty.loopOf(ctx.channel().eventLoop()).thread();
                answer.complete(line + " (client on loop thread: " + onLoopThread + ")");
            });
            client.writeAndFlush("hello\n");
            assertThat(answer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .isEqualTo("re: hello (client on loop thread: true)");
            client.close().sync();
        }
    }

    @Test
    void a_fiber_waiting_for_a_client_response_parks_and_leaves_its_loop_free() throws Exception {
        netty = NettyLoops.start(1); // server, client, waiting fiber and the rest share one loop thread
        EventLoop loop = netty.loops().loop(0);
        CompletableFuture<ChannelHandlerContext> heldRequest = new CompletableFuture<>();
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> heldRequest.complete(ctx))) {
            Fiber<String> waiter = Fiber.builder().loop(loop).start(() -> {
                CompletableFuture<String> response = new CompletableFuture<>();
                Channel client = LineClientChannel.connect(netty, server.address(), (ctx, line) -> response.complete(line));
                client.writeAndFlush("question\n");
                try {
                    return response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } finally {
                    client.close();
                }
            });
            ChannelHandlerContext request = heldRequest.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            await().atMost(WAIT).until(() -> waiter.state() == FiberState.PARKED);

            assertThat(NettyLoops.onLoopThread(loop, () -> "callbacks run")).isEqualTo("callbacks run");
            Fiber<String> other = Fiber.builder().loop(loop).start(() -> {
                Fiber.sleep(Duration.ofMillis(10));
                return "other fibers run";
            });
            assertThat(other.join(WAIT)).isEqualTo("other fibers run");
            assertThat(waiter.isAlive()).isTrue();

            request.writeAndFlush("answer\n");
            assertThat(waiter.join(WAIT)).isEqualTo("answer");
        }
    }

    @Test
    void many_fibers_each_talk_to_the_server_through_a_client_channel_of_their_own() throws Exception {
        netty = NettyLoops.start(2);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush(line.toUpperCase() + "\n"))) {
            List<Fiber<List<String>>> fibers = new ArrayList<>();
            for (int f = 0; f < 40; f++) {
                String name = "fiber" + f;
                fibers.add(Fiber.builder().loop(netty.loops().loop(f % 2)).start(() -> {
                    BlockingQueue<String> responses = new LinkedBlockingQueue<>();
                    Channel client = LineClientChannel.connect(netty, server.address(), (ctx, line) -> responses.add(line));
                    List<String> got = new ArrayList<>();
                    try {
                        for (int i = 0; i < 20; i++) {
                            client.writeAndFlush(name + " line " + i + "\n");
                            got.add(responses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                        }
                    } finally {
                        client.close().sync();
                    }
                    return got;
                }));
            }
            for (int f = 0; f < fibers.size(); f++) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    expected.add("FIBER" + f + " LINE " + i);
                }
                assertThat(fibers.get(f).join(WAIT)).containsExactlyElementsOf(expected);
            }
        }
    }
}
