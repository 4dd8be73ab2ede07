package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.LoopWitness;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Kept-alive connections, one served by each loop of the group. */
final class KeepAliveConnections {

    /** The server spreads connections round robin: a few more tries than loops find one on each. */
    private static final int TRIES_PER_LOOP = 8;

    private KeepAliveConnections() {
    }

    static Map<EventLoop, KeepAliveConnection> onEachLoop(int port, LoopWitness witness, EventLoopGroup group)
            throws IOException {
        Map<EventLoop, KeepAliveConnection> byLoop = new HashMap<>();
        for (int i = 0; i < TRIES_PER_LOOP * group.size() && byLoop.size() < group.size(); i++) {
            KeepAliveConnection connection = new KeepAliveConnection(port);
            String name = "kept-alive-" + System.nanoTime();
            assertThat(connection.get("/probe/where?n=" + name).body()).isEqualTo(name);
            EventLoop loop = witness.sighting(name).readBy();
            if (byLoop.putIfAbsent(loop, connection) != null) {
                connection.close();
            }
        }
        assertThat(byLoop).as("a connection on each loop").hasSize(group.size());
        return byLoop;
    }
}
