package io.evergreen.benchmarks;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopStats;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * A group of one event loop (LOOP mode) for a whole trial. The benchmark thread is a platform thread: it
 * starts one fiber per invocation on the loop, which does a batch of operations, and waits for it.
 * <p>
 * The loop thread is the one whose CPU time {@link WorkerCpuProfiler} reports per operation.
 * <p>
 * At tear-down it prints the loop's counters for the trial (warm-up included), which tell how the loop
 * ran the work: callbacks per operation, how many of them came from the LIFO slot, iterations and polls.
 */
@State(Scope.Benchmark)
public class OneLoop {

    EventLoopGroup group;
    EventLoop loop;

    @Setup(Level.Trial)
    public void start() {
        group = EventLoopGroup.builder().loops(1).daemon(true).threadNamePrefix("bench-loop-").build();
        loop = group.loop(0);
        WorkerCpu.watch(loop.thread());
    }

    @TearDown(Level.Trial)
    public void stop() {
        WorkerCpu.stopWatching();
        LoopStats s = loop.stats();
        System.out.printf("%n[loop stats for the trial] callbacks=%d lifoSlotRuns=%d iterations=%d polls=%d "
                        + "externalSubmissions=%d fibersStarted=%d%n",
                s.callbacksRun(), s.lifoSlotRuns(), s.iterations(), s.polls(), s.externalSubmissions(),
                s.fibersStarted());
        group.close(Duration.ofSeconds(5));
    }

    /**
     * Runs {@code body}, which does {@code operations} operations, in a new fiber on the loop, waits for its
     * result and counts the operations for {@link WorkerCpuProfiler}.
     */
    <T> T inFiber(int operations, Callable<T> body) {
        T result = Fiber.builder().loop(loop).start(body).join();
        WorkerCpu.done(operations);
        return result;
    }
}
