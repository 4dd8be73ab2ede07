package io.evergreen.loop;

/**
 * What lives on a loop beyond single callbacks: its fibers. The loop package does not know fibers;
 * the fiber runtime installs this view on each loop so that {@link EventLoopGroup#close(java.time.Duration)}
 * can wait for them and cancel the stragglers.
 */
public interface LoopResidents {

    /** Residents started and not yet ended. */
    int liveCount();

    /** Asks every live resident to end (fibers: {@code cancel()}). */
    void cancelAll();
}
