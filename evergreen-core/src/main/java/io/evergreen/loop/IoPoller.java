package io.evergreen.loop;

import java.io.IOException;

/**
 * The poll phase of an {@link EventLoop}: waits for I/O readiness and dispatches it.
 * <p>
 * This is the one seam between the loop and an I/O backend. The default is {@link NioSelectorPoller};
 * another backend (Netty's manual I/O loop, say) can drive its own channels from the same loop thread
 * by implementing these methods; one that also serves {@code java.nio} channels implements
 * {@link SelectableChannelPoller}, which Evergreen's own sockets need. All but {@link #wakeup()} are called on the loop thread only.
 */
public interface IoPoller extends AutoCloseable {

    /**
     * Waits up to {@code timeoutNanos} for readiness and dispatches the ready handlers.
     * @param timeoutNanos 0 to return at once, a negative value to wait until woken up
     * @return the number of I/O events dispatched
     */
    int poll(long timeoutNanos) throws IOException;

    /**
     * Called once, when the loop this poller serves is created (its thread exists but has not started): a
     * backend that checks which thread drives it learns it here.
     */
    default void attach(EventLoop loop) {
    }

    /**
     * Whether {@link #poll} runs application code besides waking fibers (a Netty channel's handlers do): a loop
     * held inside such a poll may be blocked by a handler rather than idle, and the blocked-loop watchdog then
     * asks {@link #isWaitingForIo} to tell the two apart.
     */
    default boolean runsHandlersWhilePolling() {
        return false;
    }

    /**
     * Given a stack of the loop thread taken while it was inside {@link #poll}, whether it is waiting for I/O
     * (idle) rather than running a handler. Asked only of a poller that {@link #runsHandlersWhilePolling()}.
     */
    default boolean isWaitingForIo(StackTraceElement[] loopThreadStack) {
        return true;
    }

    /**
     * Makes a poll in progress (or the next one) return at once. Safe from any thread.
     */
    void wakeup();

    @Override
    void close() throws IOException;
}
