package io.evergreen.fiber;

/**
 * The live fibers of one loop by state, counted in one pass: {@link #total()} is the live count at that
 * moment.
 *
 * @param running mounted on the loop (at most one in {@code LOOP} mode)
 * @param runnable woken, or started, and waiting for the loop to run them
 * @param parked waiting for something: I/O, a timer, a lock, an event
 */
public record FiberCensus(int running, int runnable, int parked) {

    public static final FiberCensus EMPTY = new FiberCensus(0, 0, 0);

    public int total() {
        return running + runnable + parked;
    }

    public FiberCensus plus(FiberCensus other) {
        return new FiberCensus(running + other.running, runnable + other.runnable, parked + other.parked);
    }
}
