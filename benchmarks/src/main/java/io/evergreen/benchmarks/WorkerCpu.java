package io.evergreen.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The CPU time of the one thread that does a benchmark's work (the loop thread for fibers, the benchmark
 * thread for the raw continuation), and the operations it did, for {@link WorkerCpuProfiler}. Benchmarks
 * name the thread at set-up and add their operations after each invocation.
 */
final class WorkerCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final LongAdder OPERATIONS = new LongAdder();
    private static volatile Thread worker;
    /** The worker's CPU time when its trial ended: JMH ends the trial before the last iteration's report. */
    private static volatile long finalCpuNanos = -1;

    private WorkerCpu() {
    }

    static void watch(Thread thread) {
        finalCpuNanos = -1;
        worker = thread;
    }

    /** Call at trial tear-down, before the worker thread may end. */
    static void stopWatching() {
        finalCpuNanos = cpuNanos();
        worker = null;
    }

    static void done(long operations) {
        OPERATIONS.add(operations);
    }

    /** CPU nanoseconds of the watched thread so far, or -1 when none is watched (yet). */
    static long cpuNanos() {
        Thread t = worker;
        return t == null ? finalCpuNanos : THREADS.getThreadCpuTime(t.threadId());
    }

    static long operationsAndReset() {
        return OPERATIONS.sumThenReset();
    }
}
