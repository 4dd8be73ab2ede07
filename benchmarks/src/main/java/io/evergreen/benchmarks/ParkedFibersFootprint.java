package io.evergreen.benchmarks;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberRegistry;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopStats;
import io.evergreen.sync.Event;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Heap per parked fiber (DESIGN.md section 6: "1,000,000 parked fibers fit in 2 GiB of heap"). Not a JMH
 * benchmark: a plain program that parks N fibers over the loops of a group, forces GC and compares the
 * heap in use before and after.
 * <pre>
 * java -Xmx2g --add-opens java.base/java.lang=ALL-UNNAMED \
 *      -cp benchmarks/target/benchmarks.jar io.evergreen.benchmarks.ParkedFibersFootprint [count] [event|park] [histogram]
 * </pre>
 * {@code event} (default): every fiber waits on one {@link Event}, as fibers waiting for a signal do (the
 * Event keeps a small node per waiter). {@code park}: every fiber parks with {@link LockSupport#park()} and
 * is woken one by one. {@code histogram}: also prints the classes that hold the heap while they are parked.
 * The program holds no reference to the fibers itself: the loop's fiber registry and their waits do.
 */
public final class ParkedFibersFootprint {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        boolean useEvent = args.length <= 1 || args[1].equals("event");
        boolean histogram = args.length > 2 && args[2].equals("histogram");
        int loops = Runtime.getRuntime().availableProcessors();

        System.out.printf("JDK %s, %d CPUs, max heap %d MiB, %d loops, %,d fibers, each %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, loops, count,
                useEvent ? "awaiting one shared io.evergreen.sync.Event" : "in LockSupport.park()");

        try (EventLoopGroup group = EventLoopGroup.builder().loops(loops).threadNamePrefix("footprint-loop-").build()) {
            warmUp(group);
            long before = usedHeapAfterGc();

            Event gate = new Event();
            LongAdder arrived = new LongAdder();
            Runnable body = useEvent
                    ? () -> {
                        arrived.increment();
                        gate.await();
                    }
                    : () -> {
                        arrived.increment();
                        while (!gate.isSet()) {
                            LockSupport.park();
                        }
                    };
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                Fiber.builder().loop(group.next()).start(body);
            }
            awaitAllParked(group, arrived, count);
            long parkedAfterNanos = System.nanoTime() - start;

            long after = usedHeapAfterGc();
            long perFiber = (after - before) / count;
            Map<FiberState, Integer> states = states(group);
            System.out.printf("started and parked %,d fibers in %d ms; states: %s%n",
                    count, TimeUnit.NANOSECONDS.toMillis(parkedAfterNanos), states);
            System.out.printf("used heap after GC: before %,d bytes (%d MiB), with the fibers parked %,d bytes (%d MiB)%n",
                    before, before >> 20, after, after >> 20);
            System.out.printf("=> %,d bytes per parked fiber; %,d fibers need %.2f GiB (limit 2 GiB at -Xmx2g: %s)%n",
                    perFiber, count, (after - before) / (double) (1L << 30),
                    after <= 2L << 30 ? "fits" : "does NOT fit");
            if (histogram) {
                printHistogram(25);
            }

            start = System.nanoTime();
            if (useEvent) {
                gate.set();
            } else {
                gate.set();
                for (EventLoop loop : group.loops()) {
                    FiberRegistry.of(loop).forEachLive(f -> LockSupport.unpark(f.thread()));
                }
            }
            while (group.liveFibers() > 0) {
                Thread.sleep(10);
            }
            System.out.printf("woke and ended all of them in %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            for (EventLoop loop : group.loops()) {
                LoopStats s = loop.stats();
                System.out.printf("%s: fibersStarted=%,d completed=%,d%n", loop, s.fibersStarted(), s.fibersCompleted());
            }
        }
    }

    /** Loads and compiles the classes one fiber's life touches, so that they do not count as fiber heap. */
    private static void warmUp(EventLoopGroup group) {
        for (int i = 0; i < 10_000; i++) {
            Event e = new Event();
            Fiber<Void> f = Fiber.builder().loop(group.next()).start(() -> {
                e.await(Duration.ofSeconds(10));
            });
            e.set();
            f.join();
        }
    }

    private static void awaitAllParked(EventLoopGroup group, LongAdder arrived, int count) throws InterruptedException {
        while (arrived.sum() < count) {
            Thread.sleep(10);
        }
        // The last arrivals may still be between the increment and the park: wait until no loop has work queued.
        int quietChecks = 0;
        while (quietChecks < 5) {
            Thread.sleep(20);
            boolean quiet = true;
            for (EventLoop loop : group.loops()) {
                LoopStats s = loop.stats();
                quiet &= s.readyQueueDepth() == 0 && s.externalQueueDepth() == 0 && loop.mountedThread() == null;
            }
            quietChecks = quiet ? quietChecks + 1 : 0;
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    private static Map<FiberState, Integer> states(EventLoopGroup group) {
        Map<FiberState, Integer> states = new EnumMap<>(FiberState.class);
        for (EventLoop loop : group.loops()) {
            FiberRegistry.of(loop).forEachLive(f -> states.merge(f.state(), 1, Integer::sum));
        }
        return states;
    }

    /** The live-object histogram (as {@code jcmd <pid> GC.class_histogram}), first lines only. */
    private static void printHistogram(int lines) throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        text.lines().limit(lines + 3L).forEach(System.out::println);
    }
}
