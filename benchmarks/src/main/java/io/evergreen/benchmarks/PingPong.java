package io.evergreen.benchmarks;

import java.util.concurrent.locks.LockSupport;

/**
 * A token handed back and forth between two threads (fibers or virtual threads) with
 * {@link LockSupport#park()}/{@link LockSupport#unpark(Thread)}. One round trip is two switches: ping
 * wakes pong and parks; pong runs, wakes ping and parks. The {@code turn} flag makes spurious wake-ups
 * harmless, as park's contract requires.
 */
final class PingPong {

    private static final int PING = 0;
    private static final int PONG = 1;

    private final int roundTrips;
    private volatile int turn = PING;
    private Thread ping;
    private Thread pong;

    PingPong(int roundTrips) {
        this.roundTrips = roundTrips;
    }

    /** Both threads must be known before either starts. */
    void players(Thread ping, Thread pong) {
        this.ping = ping;
        this.pong = pong;
    }

    void ping() {
        Thread other = pong;
        for (int i = 0; i < roundTrips; i++) {
            turn = PONG;
            LockSupport.unpark(other);
            while (turn != PING) {
                LockSupport.park(this);
            }
        }
    }

    void pong() {
        Thread other = ping;
        for (int i = 0; i < roundTrips; i++) {
            while (turn != PONG) {
                LockSupport.park(this);
            }
            turn = PING;
            LockSupport.unpark(other);
        }
    }
}
