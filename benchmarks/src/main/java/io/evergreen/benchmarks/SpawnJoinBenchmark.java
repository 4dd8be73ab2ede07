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
 * Bar 2 of DESIGN.md section 6: spawn+join of a fiber from a fiber, {@code Fiber.spawn(() -> x).join()} in
 * a loop inside one parent fiber. The child lands on the parent's loop; the parent parks in join, the child
 * runs, ends and wakes the parent. Scores are nanoseconds per spawn+join.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = JvmFlags.OPEN_JAVA_LANG)
public class SpawnJoinBenchmark {

    static final int SPAWNS = 10_000;

    private static final Integer ANSWER = 42;

    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long fiberSpawnJoin(OneLoop s) {
        return s.inFiber(SPAWNS, () -> {
            long sum = 0;
            for (int i = 0; i < SPAWNS; i++) {
                sum += Fiber.spawn(() -> ANSWER).join();
            }
            return sum;
        });
    }

    /** Reference, not a bar: start+join of a virtual thread from a virtual thread on the default scheduler. */
    @Benchmark
    @OperationsPerInvocation(SPAWNS)
    public long virtualThreadStartJoin() throws InterruptedException {
        long[] sum = new long[1];
        Thread parent = Thread.ofVirtual().start(() -> {
            int[] box = new int[1];
            try {
                for (int i = 0; i < SPAWNS; i++) {
                    Thread.ofVirtual().start(() -> box[0] = ANSWER).join();
                    sum[0] += box[0];
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        parent.join();
        return sum[0];
    }
}
