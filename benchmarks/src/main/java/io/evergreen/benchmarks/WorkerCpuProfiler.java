package io.evergreen.benchmarks;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.Collection;
import java.util.List;

/**
 * {@code -prof io.evergreen.benchmarks.WorkerCpuProfiler}: adds {@code :worker.cpu.ns/op}, the CPU time per
 * operation of the thread that does the work (see {@link WorkerCpu}). Wall-clock scores grow while other
 * processes take the CPU; this does not (it grows only by the cache and scheduler disturbance they cause),
 * so on a shared 2-core machine it is the steadier number for comparing variants. It counts what the
 * worker thread does between operations (the loop's own iterations and polls) and leaves out what other
 * threads do (the benchmark thread starting and joining each batch).
 */
public final class WorkerCpuProfiler implements InternalProfiler {

    private long startCpuNanos = -1;

    @Override
    public String getDescription() {
        return "CPU time per operation of the thread that does the benchmark's work";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        WorkerCpu.operationsAndReset();
        startCpuNanos = WorkerCpu.cpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        long operations = WorkerCpu.operationsAndReset();
        long end = WorkerCpu.cpuNanos();
        if (startCpuNanos < 0 || end < 0 || operations == 0) {
            return List.of();
        }
        double nsPerOp = (double) (end - startCpuNanos) / operations;
        return List.of(new ScalarResult("worker.cpu.ns/op", nsPerOp, "ns/op", AggregationPolicy.AVG));
    }
}
