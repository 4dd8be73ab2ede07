package io.evergreen.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * A monotonically increasing count kept for {@link LoopStats}, cheap enough to stay always on.
 * <p>
 * In {@link SchedulerMode#LOOP} only the loop thread (and the fibers it mounts) update a loop's counters,
 * so a plain increment published with an opaque write is exact and costs about a nanosecond. In
 * {@link SchedulerMode#JDK} fibers of one loop run on several carriers at once, so counts go to a
 * {@link LongAdder}.
 */
public abstract sealed class Counter permits Counter.SingleWriter, Counter.Shared {

    static Counter forMode(SchedulerMode mode) {
        return mode == SchedulerMode.LOOP ? new SingleWriter() : new Shared();
    }

    /** A counter updated from any thread, whatever the mode. */
    static Counter shared() {
        return new Shared();
    }

    public abstract void increment();

    public abstract void add(long delta);

    public abstract long get();

    static final class SingleWriter extends Counter {

        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(SingleWriter.class, "value", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long value;

        @Override
        public void increment() {
            VALUE.setOpaque(this, value + 1);
        }

        @Override
        public void add(long delta) {
            VALUE.setOpaque(this, value + delta);
        }

        @Override
        public long get() {
            return (long) VALUE.getOpaque(this);
        }
    }

    static final class Shared extends Counter {

        private final LongAdder value = new LongAdder();

        @Override
        public void increment() {
            value.increment();
        }

        @Override
        public void add(long delta) {
            value.add(delta);
        }

        @Override
        public long get() {
            return value.sum();
        }
    }
}
