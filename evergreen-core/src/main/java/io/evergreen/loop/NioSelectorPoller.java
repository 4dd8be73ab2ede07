package io.evergreen.loop;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link IoPoller}: the loop's own {@link Selector}. Channels registered here are served
 * by the loop thread itself, so a fiber waiting on one is woken without a hop through another thread.
 */
public final class NioSelectorPoller implements SelectableChannelPoller {

    private static final System.Logger LOG = System.getLogger(NioSelectorPoller.class.getName());

    private final Selector selector;

    public NioSelectorPoller() throws IOException {
        this.selector = Selector.open();
    }

    @Override
    public SelectionKey register(SelectableChannel channel, int interestOps, IoReadiness handler)
            throws ClosedChannelException {
        return channel.register(selector, interestOps, handler);
    }

    @Override
    public int poll(long timeoutNanos) throws IOException {
        if (timeoutNanos == 0) {
            return selector.selectNow(this::dispatch);
        }
        // Selector takes milliseconds; round up so that a timer due in 0.4 ms does not spin.
        long timeoutMillis = timeoutNanos < 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
        return selector.select(this::dispatch, timeoutMillis);
    }

    private void dispatch(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        try {
            ((IoReadiness) key.attachment()).ready(key.readyOps());
        } catch (Throwable failure) {
            // One broken handler must not starve the other channels of this poll, nor stop the loop.
            LoopLog.log(LOG, System.Logger.Level.ERROR, "I/O readiness handler failed", failure);
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }
}
