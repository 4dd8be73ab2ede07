package io.evergreen.benchmarks;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The physical floor of a fiber switch: one {@code jdk.internal.vm.Continuation} run+yield pair (mount the
 * continuation's frames on the calling platform thread, run until {@code Continuation.yield}, copy the
 * frames back to the heap). A virtual thread's park-then-resume is one such pair plus the JDK's
 * bookkeeping and the scheduler; a fiber round trip is two of them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = JvmFlags.EXPORT_JDK_INTERNAL_VM)
public class ContinuationBenchmark {

    static final int PAIRS = 100_000;

    private static final ContinuationScope SCOPE = new ContinuationScope("evergreen-benchmark");

    /** A continuation that yields forever: each {@code run()} is one run+yield pair. */
    @State(Scope.Thread)
    public static class Yielder {
        Continuation continuation;

        @Setup
        public void create() {
            WorkerCpu.watch(Thread.currentThread());
            continuation = new Continuation(SCOPE, () -> {
                while (true) {
                    Continuation.yield(SCOPE);
                }
            });
        }

        @TearDown
        public void stop() {
            WorkerCpu.stopWatching();
        }
    }

    /** One run+yield pair per JMH operation. */
    @Benchmark
    public void runYieldPair(Yielder y) {
        y.continuation.run();
    }

    /**
     * The same, batched like the fiber benchmarks (a loop of {@value #PAIRS} pairs per invocation); also
     * reports the benchmark thread's CPU time per pair to {@link WorkerCpuProfiler}.
     */
    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void runYieldPairBatched(Yielder y) {
        Continuation c = y.continuation;
        for (int i = 0; i < PAIRS; i++) {
            c.run();
        }
        WorkerCpu.done(PAIRS);
    }
}
