package io.evergreen.loop;

/**
 * The platform thread of an {@link EventLoop}. Knowing its loop lets code running on it, or in a fiber
 * mounted on it, find the loop (and the mounted fiber) without a thread-local lookup.
 */
final class LoopThread extends Thread {

    final EventLoop loop;

    LoopThread(EventLoop loop, String name, boolean daemon) {
        super(null, null, name, 0, false);
        this.loop = loop;
        setDaemon(daemon);
    }

    @Override
    public void run() {
        loop.runLoop();
    }
}
