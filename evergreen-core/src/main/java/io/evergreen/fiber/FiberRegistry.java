package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.LoopResidents;
import io.evergreen.loop.LoopSafeLock;
import io.evergreen.loop.SchedulerMode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The fiber runtime's state on one loop: the live fibers, and the scheduler of their virtual threads.
 * <p>
 * The live fibers are an intrusive doubly-linked list through the fibers themselves, so that registering
 * costs two pointer writes and no allocation. A fiber is added by the thread that starts it (the loop thread
 * itself, for a fiber started from the group's shared queue) and removed as it ends; the lock also serves readers
 * elsewhere (dumps, metrics). It is a {@link LoopSafeLock}, not a monitor: a loop thread must never wait for a
 * fiber of its own, and an ending fiber may hold the lock.
 */
public final class FiberRegistry implements LoopResidents {

    private final EventLoop loop;
    private final LoopScheduler scheduler;
    private final LoopSafeLock lock = new LoopSafeLock();
    private Fiber<?> head;
    /** Written under the lock; read without it. */
    private volatile int live;

    private FiberRegistry(EventLoop loop) {
        this.loop = loop;
        this.scheduler = loop.mode() == SchedulerMode.LOOP ? new LoopScheduler(loop) : null;
    }

    /** The registry of a loop, created on first use. */
    public static FiberRegistry of(EventLoop loop) {
        if (loop.residents() instanceof FiberRegistry registry) {
            return registry;
        }
        return (FiberRegistry) loop.installResidents(new FiberRegistry(loop));
    }

    public EventLoop loop() {
        return loop;
    }

    /** The scheduler of the loop's virtual threads in {@code LOOP} mode (one per loop); null in {@code JDK} mode. */
    LoopScheduler scheduler() {
        return scheduler;
    }

    void add(Fiber<?> fiber) {
        lock.lock();
        try {
            fiber.nextLive = head;
            if (head != null) {
                head.previousLive = fiber;
            }
            head = fiber;
            live++;
        } finally {
            lock.unlock();
        }
    }

    void remove(Fiber<?> fiber) {
        lock.lock();
        try {
            Fiber<?> previous = fiber.previousLive;
            Fiber<?> next = fiber.nextLive;
            if (previous != null) {
                previous.nextLive = next;
            } else if (head == fiber) {
                head = next;
            } else {
                return; // not registered
            }
            if (next != null) {
                next.previousLive = previous;
            }
            fiber.previousLive = null;
            fiber.nextLive = null;
            live--;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int liveCount() {
        return live;
    }

    /** A snapshot of the live fibers, newest first. */
    public List<Fiber<?>> liveFibers() {
        lock.lock();
        try {
            List<Fiber<?>> snapshot = new ArrayList<>(live);
            for (Fiber<?> f = head; f != null; f = f.nextLive) {
                snapshot.add(f);
            }
            return snapshot;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The live fibers counted by state, in one pass under the lock (no copy): the three counts sum to the
     * live count at that moment. A fiber registered but not yet run counts as runnable.
     */
    public FiberCensus census() {
        lock.lock();
        try {
            int running = 0;
            int parked = 0;
            for (Fiber<?> f = head; f != null; f = f.nextLive) {
                switch (f.state()) {
                    case RUNNING -> running++;
                    case PARKED -> parked++;
                    default -> { }
                }
            }
            return new FiberCensus(running, live - running - parked, parked);
        } finally {
            lock.unlock();
        }
    }

    /** Runs the action for each live fiber of a snapshot, outside the lock. */
    public void forEachLive(Consumer<Fiber<?>> action) {
        liveFibers().forEach(action);
    }

    @Override
    public void cancelAll() {
        forEachLive(Fiber::cancel);
    }
}
