package io.evergreen.demo.reliability;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.springframework.boot.test.context.TestComponent;

/**
 * Holds the loop of the calling fiber on purpose, the way a misbehaving handler does, until the test lets go:
 * by spinning on the CPU, or by a read that blocks in native code. The test decides when the loop is released,
 * so that what it observes while the loop is held does not depend on how fast a loaded machine is.
 * <p>
 * One hold at a time; {@link #reset()} releases any hold and prepares the next.
 */
@TestComponent
class LoopHog {

    /** A spinner spins at least this long, as the fault it stands for does ("a 1 s CPU-bound handler"). */
    static final Duration MIN_SPIN = Duration.ofSeconds(1);

    /** A spinner whose test failed before releasing it stops by itself, so that the context can still close. */
    private static final Duration SPIN_LIMIT = Duration.ofSeconds(30);

    private volatile CompletableFuture<Integer> heldLoop = new CompletableFuture<>();
    private volatile boolean holding;
    private volatile boolean released;
    private volatile Path fifo;
    private volatile RandomAccessFile fifoWriteEnd;

    /**
     * Spins without ever parking, for at least {@link #MIN_SPIN} and until {@link #release()}: nothing else runs
     * on the loop meanwhile.
     * @return the iterations spun
     */
    long spin() {
        announceHold();
        long start = System.nanoTime();
        long iterations = 0;
        try {
            while (!(released && elapsedSince(start) >= MIN_SPIN.toNanos()) && elapsedSince(start) < SPIN_LIMIT.toNanos()) {
                Thread.onSpinWait();
                iterations++;
            }
        } finally {
            holding = false;
        }
        return iterations;
    }

    /**
     * Reads one byte of the FIFO the test made with {@link #useFifo(Path)}, through {@link FileInputStream}. File
     * I/O is a system call made from a native method: the JDK cannot unmount a virtual thread with a native frame
     * on its stack, and it compensates for blocking file I/O only on its own carrier threads (the fork-join
     * scheduler), never on a custom scheduler's. So the fiber stays mounted and its loop thread waits in
     * {@code read(2)} until a byte arrives: a pinned loop, as on JDK 25 (where {@code synchronized} no longer
     * pins).
     * @return the byte read
     */
    int readFifo() throws IOException {
        Path path = fifo;
        if (path == null) {
            throw new IllegalStateException("no FIFO to read: call useFifo first");
        }
        announceHold();
        try (FileInputStream in = new FileInputStream(path.toFile())) {
            return in.read();
        } finally {
            holding = false;
        }
    }

    /**
     * Makes {@link #readFifo()} read this FIFO, and opens it for reading and writing here: on Linux that open
     * never waits, and with a writer present the reader's open does not wait either, only its read.
     */
    void useFifo(Path path) throws IOException {
        fifoWriteEnd = new RandomAccessFile(path.toFile(), "rw");
        fifo = path;
    }

    /**
     * First yields, so that the loop moves once between whatever ran before in this fiber (the first request's
     * class loading, say, can hold a loop past the threshold too) and the hold: the watchdog then sees the hold
     * as an incident of its own, with the hold's stack.
     */
    private void announceHold() {
        Fiber.yieldNow();
        holding = true;
        heldLoop.complete(EventLoop.current() == null ? -1 : EventLoop.current().index());
    }

    /** The index of the loop held, once a hold began. */
    int awaitHeldLoop(Duration timeout) throws Exception {
        return heldLoop.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isHolding() {
        return holding;
    }

    /** Lets the spinner stop (once it has spun its minimum) and the FIFO reader read. */
    void release() throws IOException {
        released = true;
        RandomAccessFile writeEnd = fifoWriteEnd;
        if (writeEnd != null) {
            writeEnd.write('x');
        }
    }

    /** Releases any hold, waits until it ended, and closes the FIFO; the next hold starts afresh. */
    void reset() throws IOException {
        release();
        Awaitility.await("the hold ends").atMost(SPIN_LIMIT).until(() -> !holding);
        RandomAccessFile writeEnd = fifoWriteEnd;
        fifoWriteEnd = null;
        fifo = null;
        if (writeEnd != null) {
            writeEnd.close();
        }
        heldLoop = new CompletableFuture<>();
        released = false;
    }

    private static long elapsedSince(long start) {
        return System.nanoTime() - start;
    }
}
