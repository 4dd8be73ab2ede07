package io.evergreen.loop;

/**
 * Called on the loop thread when a channel registered with {@link NioSelectorPoller} is ready.
 */
@FunctionalInterface
public interface IoReadiness {

    /**
     * @param readyOps the {@link java.nio.channels.SelectionKey} operations that are ready
     */
    void ready(int readyOps);
}
