package io.evergreen.demo.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many clients that really overlap: one virtual thread and one blocking socket each (a few kilobytes, so the
 * test JVM holds thousands cheaply). Every client connects first; only when all are connected do they send
 * their request, at once, so the server sees them all together rather than as a trickle.
 * <p>
 * The virtual threads are the JDK's ordinary ones, started from the test's platform thread: they run on the
 * JDK's scheduler, not on the application's loops.
 */
final class ConnectionBurst {

    private final int port;
    private final int connections;
    private final Duration patience;

    ConnectionBurst(int port, int connections, Duration patience) {
        this.port = port;
        this.connections = connections;
        this.patience = patience;
    }

    /**
     * Sends the request on every connection at once and returns the responses, in no particular order.
     * @throws AssertionError when not every client could connect within the patience
     */
    List<RawHttp.Response> send(String request) throws Exception {
        CountDownLatch connected = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RawHttp.Response>> responses = new ArrayList<>(connections);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < connections; i++) {
                responses.add(clients.submit(() -> {
                    RawHttp connection;
                    try {
                        connection = RawHttp.connect(port);
                    } finally {
                        connected.countDown(); // a failed connect must not keep the others waiting
                    }
                    try (connection) {
                        go.await();
                        return connection.send(request).readResponse();
                    }
                }));
            }
            boolean allConnected = connected.await(patience.toMillis(), TimeUnit.MILLISECONDS);
            go.countDown();
            if (!allConnected) {
                throw new AssertionError((connections - connected.getCount()) + " of " + connections
                        + " clients connected within " + patience);
            }
            List<RawHttp.Response> received = new ArrayList<>(connections);
            long deadline = System.nanoTime() + patience.toNanos();
            for (Future<RawHttp.Response> response : responses) {
                received.add(response.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return received;
        }
    }
}
