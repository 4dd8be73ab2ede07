package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.LoopStats;
import io.evergreen.monitor.LoopLatencyProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Evergreen loop's own statistics include the Netty work done in its poll phase, and the loop's latency is
 * still measured while it polls through Netty: monitoring (actuator, meters) sees a Netty-serving loop as busy.
 */
class LoopStatsSeeNettyWorkTest {

    private NettyLoopGroup netty;

    @AfterEach
    void closeLoops() {
        NettyLoops.close(netty);
    }

    @Test
    void each_netty_read_counts_as_an_io_event_of_the_loop_that_serves_the_channel() throws Exception {
        netty = NettyLoops.start(1);
        EventLoop loop = netty.loops().loop(0);
        try (LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush(line + "\n"));
             LineClient client = new LineClient(server.address())) {
            client.exchange("connected");
            long eventsBefore = loop.stats().ioEventsDispatched();
            long pollsBefore = loop.stats().polls();
            for (int i = 0; i < 20; i++) {
                assertThat(client.exchange("ping " + i)).isEqualTo("ping " + i);
            }
            // Each request is read in a poll of its own: the client waits for every answer before the next. Netty
            // runs the handler inside the poll, so the last answer can arrive before that poll returns and counts.
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(loop.stats().ioEventsDispatched()).isGreaterThanOrEqualTo(eventsBefore + 20);
                assertThat(loop.stats().polls()).isGreaterThanOrEqualTo(pollsBefore + 20);
            });
        }
    }

    @Test
    void an_idle_loop_polling_through_netty_is_counted_as_sleeping() {
        netty = NettyLoops.start(1);
        LoopStats stats = netty.loops().loop(0).stats();
        long sleepsBefore = stats.sleeps();
        netty.loops().loop(0).callLater(Duration.ofMillis(20), () -> { }); // wakes it once, then it sleeps again
        await().atMost(WAIT).until(() -> stats.sleeps() > sleepsBefore + 1 && stats.isPolling());
        assertThat(stats.idleNanos()).isPositive();
    }

    @Test
    void the_latency_probe_measures_loops_that_poll_through_netty() throws Exception {
        netty = NettyLoops.start(2);
        try (LoopLatencyProbe probe = LoopLatencyProbe.start(netty.loops(), Duration.ofMillis(5));
             LineServer server = LineServer.bind(netty, (ctx, line) -> ctx.writeAndFlush(line + "\n"))) {
            for (int i = 0; i < 10; i++) {
                assertThat(LineClient.exchange(server.address(), "traffic " + i)).isEqualTo("traffic " + i);
            }
            for (EventLoop loop : netty.loops().loops()) {
                await().atMost(WAIT).until(() -> loop.stats().latency().snapshot().count() >= 10);
                assertThat(loop.stats().latency().snapshot().maxNanos()).isPositive();
            }
            assertThat(probe.interval()).isEqualTo(Duration.ofMillis(5));
        }
    }
}
