package io.evergreen.loop;

/**
 * A cancellable callback queued with {@link EventLoop#callSoon(Runnable)}.
 */
final class ReadyHandle extends OneShot implements Handle, Runnable {

    private final Runnable callback;

    ReadyHandle(Runnable callback) {
        this.callback = callback;
    }

    @Override
    public void run() {
        if (tryRun()) {
            callback.run();
        }
    }

    @Override
    public boolean cancel() {
        return tryCancel();
    }
}
