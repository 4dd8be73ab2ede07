package io.evergreen.benchmarks.echo;

import io.evergreen.io.TcpServer;
import io.evergreen.io.TcpStream;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopStats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * (A) Evergreen: {@link TcpServer} on a group of N loops in LOOP mode; each connection's fiber reads into
 * its buffer and writes back what it read. {@code write} returns at once unless more than the high-water
 * mark is queued, so the fiber goes straight back to {@code read}.
 */
final class EvergreenEchoServer implements EchoServer {

    private final EventLoopGroup group;
    private final TcpServer server;

    EvergreenEchoServer(InetSocketAddress address, int loops, boolean directBuffers) throws IOException {
        group = EventLoopGroup.create(loops);
        server = TcpServer.bind(group, address, 4096, stream -> echo(stream, directBuffers));
    }

    private static void echo(TcpStream stream, boolean directBuffers) throws IOException {
        ByteBuffer buffer = directBuffers ? ByteBuffer.allocateDirect(READ_BUFFER_BYTES)
                : ByteBuffer.allocate(READ_BUFFER_BYTES);
        while (stream.read(buffer) >= 0) {
            buffer.flip();
            stream.write(buffer);
            buffer.clear();
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    /** Summed over the loops: what a loop iteration, a poll and a fiber resumption cost shows up here. */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> sums = new LinkedHashMap<>();
        for (EventLoop loop : group.loops()) {
            LoopStats stats = loop.stats();
            sums.merge("iterations", stats.iterations(), Long::sum);
            sums.merge("polls", stats.polls(), Long::sum);
            sums.merge("ioEvents", stats.ioEventsDispatched(), Long::sum);
            sums.merge("callbacks", stats.callbacksRun(), Long::sum);
            sums.merge("lifoRuns", stats.lifoSlotRuns(), Long::sum);
            sums.merge("externalSubmissions", stats.externalSubmissions(), Long::sum);
            sums.merge("idleMicros", stats.idleNanos() / 1000, Long::sum);
        }
        return sums;
    }

    @Override
    public void close() {
        server.close(Duration.ofSeconds(1));
        group.close();
    }
}
