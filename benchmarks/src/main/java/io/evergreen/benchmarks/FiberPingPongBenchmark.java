package io.evergreen.benchmarks;

import io.evergreen.fiber.Fiber;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Bar 1 of DESIGN.md section 6: the round trip (two switches) between two fibers of one loop, against the
 * same ping-pong between two virtual threads on the JDK's default scheduler.
 * <p>
 * Each invocation starts the two players and waits for them from the platform benchmark thread; with
 * {@value #ROUND_TRIPS} round trips per invocation, that start-and-join (tens of microseconds) is well
 * under 1% of an invocation. Scores are nanoseconds per round trip.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = JvmFlags.OPEN_JAVA_LANG)
public class FiberPingPongBenchmark {

    static final int ROUND_TRIPS = 100_000;

    /** What switchTo hands over: a constant, so that no boxing is measured. */
    private static final Object TOKEN = new Object();

    /** Two fibers of one loop, waking each other with LockSupport.unpark and parking. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void fiberParkUnpark(OneLoop s) {
        PingPong game = new PingPong(ROUND_TRIPS);
        Fiber<Void> pong = Fiber.builder().loop(s.loop).name("pong").unstarted(game::pong);
        Fiber<Void> ping = Fiber.builder().loop(s.loop).name("ping").unstarted(game::ping);
        game.players(ping.thread(), pong.thread());
        pong.start();
        ping.start();
        ping.join();
        pong.join();
        WorkerCpu.done(ROUND_TRIPS);
    }

    /**
     * Two fibers of one loop handing a value back and forth with greenlet-style {@link Fiber#switchTo}.
     * The first switch starts the child; its last round trip ends it (its result goes to the parent).
     */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public Object fiberSwitchTo(OneLoop s) {
        return s.inFiber(ROUND_TRIPS, () -> {
            Fiber<Object> child = Fiber.builder().name("child").unstarted(() -> {
                Fiber<?> parent = Fiber.current().parent();
                Object value = null;
                for (int i = 1; i < ROUND_TRIPS; i++) {
                    value = parent.switchTo(value);
                }
                return value;
            });
            Object value = null;
            for (int i = 0; i < ROUND_TRIPS; i++) {
                value = child.switchTo(TOKEN);
            }
            return value;
        });
    }

    /** The same park/unpark ping-pong between two virtual threads on the JDK's default scheduler. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void virtualThreadParkUnpark() throws InterruptedException {
        PingPong game = new PingPong(ROUND_TRIPS);
        Thread pong = Thread.ofVirtual().name("pong").unstarted(game::pong);
        Thread ping = Thread.ofVirtual().name("ping").unstarted(game::ping);
        game.players(ping, pong);
        pong.start();
        ping.start();
        ping.join();
        pong.join();
    }

    /**
     * Reference, not a bar: the default scheduler with one carrier, so that both virtual threads run on
     * the same carrier, as two fibers of one loop do; isolates the switch from cross-core wake-ups.
     */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    @Fork(value = 2, jvmArgsAppend = {JvmFlags.OPEN_JAVA_LANG, "-Djdk.virtualThreadScheduler.parallelism=1"})
    public void virtualThreadParkUnparkOneCarrier() throws InterruptedException {
        virtualThreadParkUnpark();
    }
}
