package io.evergreen.loop;

/**
 * Live counters of one {@link EventLoop}, read without stopping it. Every method reads current state;
 * nothing is copied or sampled by a background thread. Counts are monotonic unless named a depth or
 * an entry count; times are in nanoseconds of {@link System#nanoTime()}.
 * <p>
 * The {@code record...} methods are called by the fiber runtime of {@code io.evergreen.fiber}.
 */
public final class LoopStats {

    private final EventLoop loop;
    private final long createdNanos = System.nanoTime();

    // Loop thread only, whatever the scheduler mode.
    final Counter iterations = new Counter.SingleWriter();
    final Counter callbacksRun = new Counter.SingleWriter();
    final Counter callbackFailures = new Counter.SingleWriter();
    final Counter timersFired = new Counter.SingleWriter();
    final Counter ioEventsDispatched = new Counter.SingleWriter();
    final Counter polls = new Counter.SingleWriter();
    final Counter sleeps = new Counter.SingleWriter();
    final Counter idleNanos = new Counter.SingleWriter();
    final Counter externalDrained = new Counter.SingleWriter();
    final Counter lifoSlotRuns = new Counter.SingleWriter();
    final Counter sharedTasksTaken = new Counter.SingleWriter();
    // Any thread.
    final Counter externalSubmitted = Counter.shared();
    final Counter wakeups = Counter.shared();
    private final Counter fibersStarted = Counter.shared();
    private final Counter fibersSucceeded = Counter.shared();
    private final Counter fibersFailed = Counter.shared();
    private final Counter fibersCancelled = Counter.shared();
    private final Counter localsInheritedCopies = Counter.shared();
    // Written by the fibers of this loop: single writer in LOOP mode.
    private final Counter localsEntriesAdded;
    private final Counter localsEntriesRemoved;
    private final Counter localsLookupHits;
    private final Counter localsLookupMisses;
    private final Counter localsLookupInitials;
    private final Counter localsSets;
    private final LatencyRecorder latency = new LatencyRecorder();
    private final LatencyRecorder scheduleDelay = new LatencyRecorder();

    LoopStats(EventLoop loop, SchedulerMode mode) {
        this.loop = loop;
        this.localsEntriesAdded = Counter.forMode(mode);
        this.localsEntriesRemoved = Counter.forMode(mode);
        this.localsLookupHits = Counter.forMode(mode);
        this.localsLookupMisses = Counter.forMode(mode);
        this.localsLookupInitials = Counter.forMode(mode);
        this.localsSets = Counter.forMode(mode);
    }

    /** Index of the loop in its group. */
    public int loopIndex() {
        return loop.index();
    }

    /** Iterations of the loop's phases (timers, ready callbacks, I/O poll). */
    public long iterations() {
        return iterations.get();
    }

    /** Callbacks run, fiber resumptions included. */
    public long callbacksRun() {
        return callbacksRun.get();
    }

    /** Callbacks that threw; the loop logged each and went on. */
    public long callbackFailures() {
        return callbackFailures.get();
    }

    public long timersFired() {
        return timersFired.get();
    }

    public long ioEventsDispatched() {
        return ioEventsDispatched.get();
    }

    /** Times the loop polled for I/O (with or without waiting). */
    public long polls() {
        return polls.get();
    }

    /** Polls that were allowed to wait (nothing was ready): the loop went to sleep in its poller. */
    public long sleeps() {
        return sleeps.get();
    }

    /**
     * Times another thread had to wake the sleeping loop to hand it a callback, or work for any loop of the group
     * (which another loop may then take): each one is a system call on the submitting side and a return from the
     * poll on the loop's. A count close to {@link #externalSubmissions()} plus {@link #sharedTasksTaken()} means
     * cross-thread hand-offs are costly here; far below it, the loop was mostly awake when they came.
     */
    public long wakeups() {
        return wakeups.get();
    }

    /** Fibers resumed from the LIFO slot, right after the fiber that woke them parked. */
    public long lifoSlotRuns() {
        return lifoSlotRuns.get();
    }

    /** Tasks this loop took from its group's shared queue ({@link EventLoopGroup#execute(Runnable)}). */
    public long sharedTasksTaken() {
        return sharedTasksTaken.get();
    }

    /** Callbacks submitted from outside the loop thread. */
    public long externalSubmissions() {
        return externalSubmitted.get();
    }

    /** Callbacks ready to run on the loop thread (fibers woken included). */
    public int readyQueueDepth() {
        return loop.readyDepth();
    }

    /** Callbacks submitted from other threads and not yet taken by the loop. */
    public long externalQueueDepth() {
        return Math.max(0, externalSubmitted.get() - externalDrained.get());
    }

    /** Timers scheduled and not yet due (cancelled ones are removed at once on the loop thread). */
    public int timerQueueDepth() {
        return loop.timerDepth();
    }

    /** Nanoseconds the loop spent blocked in the I/O poll, waiting for work. */
    public long idleNanos() {
        return idleNanos.get();
    }

    /** Nanoseconds since the loop was created minus idle time: time spent running phases. */
    public long busyNanos() {
        return Math.max(0, System.nanoTime() - createdNanos - idleNanos.get());
    }

    /** Whether the loop thread is in its I/O poll (so not running a callback or fiber right now). */
    public boolean isPolling() {
        return loop.isPolling();
    }

    public long fibersStarted() {
        return fibersStarted.get();
    }

    public long fibersSucceeded() {
        return fibersSucceeded.get();
    }

    public long fibersFailed() {
        return fibersFailed.get();
    }

    public long fibersCancelled() {
        return fibersCancelled.get();
    }

    /** Fibers ended, whatever the outcome. */
    public long fibersCompleted() {
        return fibersSucceeded.get() + fibersFailed.get() + fibersCancelled.get();
    }

    /** Fiber-local values held by live fibers of this loop. */
    public long localsLiveEntries() {
        return Math.max(0, localsEntriesAdded.get() - localsEntriesRemoved.get());
    }

    public long localsLookupHits() {
        return localsLookupHits.get();
    }

    public long localsLookupMisses() {
        return localsLookupMisses.get();
    }

    /** Lookups that found nothing and ran the local's initial-value supplier. */
    public long localsLookupInitials() {
        return localsLookupInitials.get();
    }

    public long localsSets() {
        return localsSets.get();
    }

    /** Values copied from a parent fiber to a child by inheritable fiber-locals. */
    public long localsInheritedCopies() {
        return localsInheritedCopies.get();
    }

    /**
     * How late the loop ran a periodic probe timer (its lag): filled while a {@code LoopLatencyProbe} of
     * {@code io.evergreen.monitor} runs on the loop, empty otherwise.
     */
    public LatencyRecorder latency() {
        return latency;
    }

    /** Sampled delays from a fiber being woken to it running on the loop ({@link SchedulerMode#LOOP} only). */
    public LatencyRecorder scheduleDelay() {
        return scheduleDelay;
    }

    public void recordFiberStarted() {
        fibersStarted.increment();
    }

    public void recordFiberSucceeded() {
        fibersSucceeded.increment();
    }

    public void recordFiberFailed() {
        fibersFailed.increment();
    }

    public void recordFiberCancelled() {
        fibersCancelled.increment();
    }

    public void recordLocalEntries(int delta) {
        if (delta > 0) {
            localsEntriesAdded.add(delta);
        } else if (delta < 0) {
            localsEntriesRemoved.add(-delta);
        }
    }

    public void recordLocalLookupHit() {
        localsLookupHits.increment();
    }

    public void recordLocalLookupMiss() {
        localsLookupMisses.increment();
    }

    public void recordLocalLookupInitial() {
        localsLookupInitials.increment();
    }

    public void recordLocalSet() {
        localsSets.increment();
    }

    public void recordLocalsInherited(int copies) {
        localsInheritedCopies.add(copies);
    }

    @Override
    public String toString() {
        return "LoopStats[loop=" + loopIndex() + ", iterations=" + iterations() + ", callbacksRun=" + callbacksRun()
                + ", ready=" + readyQueueDepth() + ", external=" + externalQueueDepth() + ", timers="
                + timerQueueDepth() + ", fibersStarted=" + fibersStarted() + ", fibersCompleted=" + fibersCompleted() + "]";
    }
}
