package io.evergreen.netty;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.IoReadiness;
import io.evergreen.loop.SelectableChannelPoller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.evergreen.netty.NettyLoops.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The seam Evergreen's sockets use, as Netty's NIO poller serves it: a {@code java.nio} channel registered
 * through {@link SelectableChannelPoller} sits in Netty's selector, its readiness reaches its handler on the loop
 * thread, its key's interest can be changed, and a handler that fails harms nothing but itself.
 */
class EvergreenChannelsInNettySelectorTest {

    /** Netty sleeps a second after each failure: this many would outlast the wait many times over. */
    private static final int FAILING_CALLS = 50;

    private NettyLoopGroup netty;
    private EventLoop loop;
    private Pipe pipe;

    @BeforeEach
    void start() throws Exception {
        netty = NettyLoops.start(1);
        loop = netty.loops().loop(0);
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
    }

    @AfterEach
    void close() throws Exception {
        pipe.sink().close();
        pipe.source().close();
        NettyLoops.close(netty);
    }

    private SelectionKey registerSource(int ops, IoReadiness handler) throws Exception {
        return NettyLoops.onLoopThread(loop, () -> ((SelectableChannelPoller) loop.poller())
                .register(pipe.source(), ops, handler));
    }

    private void writeToPipe() throws Exception {
        pipe.sink().write(ByteBuffer.wrap(new byte[] {42}));
    }

    @Test
    void the_nio_poller_serves_java_nio_channels() {
        assertThat(loop.poller()).isInstanceOf(SelectableChannelPoller.class);
    }

    @Test
    void readiness_of_a_registered_channel_reaches_its_handler_on_the_loop_thread() throws Exception {
        CompletableFuture<String> ready = new CompletableFuture<>();
        SelectionKey key = registerSource(SelectionKey.OP_READ, readyOps -> ready.complete(
                ((readyOps & SelectionKey.OP_READ) != 0) + " on loop thread " + (Thread.currentThread() == loop.thread())));
        writeToPipe();
        assertThat(ready.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("true on loop thread true");
        assertThat(key.channel()).isSameAs(pipe.source());
        assertThat(key.isValid()).isTrue();
    }

    @Test
    void interest_set_on_the_key_decides_which_readiness_is_reported() throws Exception {
        AtomicInteger reports = new AtomicInteger();
        CompletableFuture<Void> reported = new CompletableFuture<>();
        SelectionKey key = registerSource(0, readyOps -> {
            reports.incrementAndGet();
            reported.complete(null);
        });
        writeToPipe();
        // Readable, but nobody is interested: a callback round trip later, still no report.
        NettyLoops.onLoopThread(loop, () -> null);
        NettyLoops.onLoopThread(loop, () -> null);
        assertThat(reports).hasValue(0);

        NettyLoops.onLoopThread(loop, () -> key.interestOps(SelectionKey.OP_READ));
        reported.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        NettyLoops.onLoopThread(loop, () -> key.interestOps(0));
    }

    @Test
    void a_channel_closed_by_its_owner_leaves_the_selector() throws Exception {
        SelectionKey key = registerSource(SelectionKey.OP_READ, readyOps -> { });
        pipe.source().close();
        await().atMost(WAIT).until(() -> {
            NettyLoops.onLoopThread(loop, () -> null); // a poll in between releases the key
            return !key.isValid() && !pipe.source().isRegistered();
        });
    }

    /**
     * Netty stops the poll's dispatch at the first exception and then sleeps a second; Evergreen's own poller logs
     * the failure and goes on. A handler that fails on every readiness of an always-readable channel must still
     * be called again and again, not once a second.
     */
    @Test
    void a_handler_that_throws_is_called_again_at_the_next_poll_and_does_not_hold_up_the_loop() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        registerSource(SelectionKey.OP_READ, readyOps -> {
            if (calls.incrementAndGet() < FAILING_CALLS) {
                throw new BrokenHandlerException(); // before reading: the channel stays readable
            }
            drainPipe();
        });
        writeToPipe();
        await().atMost(WAIT).until(() -> calls.get() >= FAILING_CALLS);
        assertThat(NettyLoops.onLoopThread(loop, () -> "the loop still runs callbacks"))
                .isEqualTo("the loop still runs callbacks");
    }

    private void drainPipe() {
        try {
            pipe.source().read(ByteBuffer.allocate(16));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Without a stack trace, so that the failures it logs stay short. */
    private static final class BrokenHandlerException extends RuntimeException {
        BrokenHandlerException() {
            super("a broken readiness handler, on purpose", null, false, false);
        }
    }
}
