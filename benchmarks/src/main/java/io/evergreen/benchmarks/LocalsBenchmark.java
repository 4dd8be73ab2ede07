package io.evergreen.benchmarks;

import io.evergreen.fiber.FiberLocal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * {@link FiberLocal#get()} against {@link ThreadLocal#get()} and {@link ScopedValue#get()}, read inside a
 * fiber, and the JDK two from a plain (platform) thread for reference. Scores are nanoseconds per get.
 * <p>
 * Every variant is the same loop of {@value #GETS} calls of a small method that does one get and that the
 * JIT may not inline, its result handed to a {@link Blackhole}: without that fence the JIT hoists the
 * loop-invariant part of a ThreadLocal or ScopedValue lookup out of the loop (a trial run measured 0.5 to
 * 0.8 ns per "get", i.e. the Blackhole alone), which a real application's one get per request never gets.
 * {@link #callBaselineInFiber} is the same loop around a method that returns a constant: subtract it for
 * the cost of the get itself. In a fiber, starting and joining the fiber adds well under 1%.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = JvmFlags.OPEN_JAVA_LANG)
public class LocalsBenchmark {

    static final int GETS = 1_000_000;

    private static final String VALUE = "value";
    private static final FiberLocal<String> FIBER_LOCAL = FiberLocal.create();
    private static final ThreadLocal<String> THREAD_LOCAL = new ThreadLocal<>();
    private static final ScopedValue<String> SCOPED_VALUE = ScopedValue.newInstance();

    @Benchmark
    @OperationsPerInvocation(GETS)
    public Object callBaselineInFiber(OneLoop s, Blackhole bh) {
        return s.inFiber(GETS, () -> {
            for (int i = 0; i < GETS; i++) {
                bh.consume(constant());
            }
            return null;
        });
    }

    @Benchmark
    @OperationsPerInvocation(GETS)
    public Object fiberLocalInFiber(OneLoop s, Blackhole bh) {
        return s.inFiber(GETS, () -> {
            FIBER_LOCAL.set(VALUE);
            for (int i = 0; i < GETS; i++) {
                bh.consume(fiberLocal());
            }
            return null;
        });
    }

    @Benchmark
    @OperationsPerInvocation(GETS)
    public Object threadLocalInFiber(OneLoop s, Blackhole bh) {
        return s.inFiber(GETS, () -> {
            THREAD_LOCAL.set(VALUE);
            readThreadLocal(bh);
            return null;
        });
    }

    @Benchmark
    @OperationsPerInvocation(GETS)
    public Object scopedValueInFiber(OneLoop s, Blackhole bh) {
        return s.inFiber(GETS, () -> {
            ScopedValue.where(SCOPED_VALUE, VALUE).run(() -> readScopedValue(bh));
            return null;
        });
    }

    @Benchmark
    @OperationsPerInvocation(GETS)
    public void threadLocalInPlatformThread(Blackhole bh) {
        THREAD_LOCAL.set(VALUE);
        readThreadLocal(bh);
    }

    @Benchmark
    @OperationsPerInvocation(GETS)
    public void scopedValueInPlatformThread(Blackhole bh) {
        ScopedValue.where(SCOPED_VALUE, VALUE).run(() -> readScopedValue(bh));
    }

    private static void readThreadLocal(Blackhole bh) {
        for (int i = 0; i < GETS; i++) {
            bh.consume(threadLocal());
        }
    }

    private static void readScopedValue(Blackhole bh) {
        for (int i = 0; i < GETS; i++) {
            bh.consume(scopedValue());
        }
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static String constant() {
        return VALUE;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static String fiberLocal() {
        return FIBER_LOCAL.get();
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static String threadLocal() {
        return THREAD_LOCAL.get();
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static String scopedValue() {
        return SCOPED_VALUE.get();
    }
}
