package io.evergreen.loop;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Logging for code that may run on a loop thread, without making that thread wait for the logging backend.
 * <p>
 * A backend writes under a lock (Logback's appender lock, a {@code java.util.logging} handler's monitor) that fibers
 * take too as they log, and a loop thread must never wait for a lock that a fiber may hold or queue for
 * ({@link LoopSafeLock}). On a loop thread a record is queued without a lock, and a thread of its own
 * ({@value #THREAD_NAME}) hands it to the logger; elsewhere it goes to the logger at once. At most
 * {@value #CAPACITY} records wait: later ones are counted, and the count is logged once the queue has room.
 */
public final class LoopLog {

    static final int CAPACITY = 10_000;
    static final String THREAD_NAME = "evergreen-loop-log";

    private static final System.Logger LOG = System.getLogger(LoopLog.class.getName());
    private static final LoopHandOff<Entry> PENDING = new LoopHandOff<>(CAPACITY);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final Thread WRITER = Thread.ofPlatform().daemon().name(THREAD_NAME).unstarted(LoopLog::write);

    private LoopLog() {
    }

    /** Logs the message and the throwable (null for none): later when on a loop thread, at once elsewhere. */
    public static void log(System.Logger logger, System.Logger.Level level, String message, Throwable thrown) {
        if (!EventLoop.onLoopThread()) {
            logger.log(level, message, thrown);
            return;
        }
        if (!PENDING.offer(new Entry(logger, level, message, thrown))) {
            return;
        }
        if (STARTED.compareAndSet(false, true)) {
            WRITER.start();
        } else {
            LockSupport.unpark(WRITER);
        }
    }

    private static void write() {
        while (true) {
            for (Entry entry; (entry = PENDING.poll()) != null; ) {
                try {
                    entry.logger.log(entry.level, entry.message, entry.thrown);
                } catch (RuntimeException e) {
                    // A failing backend loses this record, not the writer.
                }
            }
            long refused = PENDING.takeRefused();
            if (refused > 0) {
                LOG.log(System.Logger.Level.WARNING, refused + " log records of loop threads were dropped: more than "
                        + CAPACITY + " waited for the logging backend");
            }
            // An unpark between the last poll and here leaves a permit: the park returns at once.
            LockSupport.park(LoopLog.class);
        }
    }

    private record Entry(System.Logger logger, System.Logger.Level level, String message, Throwable thrown) {
    }
}
