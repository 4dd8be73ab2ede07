package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.sync.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A loop thread must never wait for a lock that a fiber can hold: on JDK 25 a fiber that meets a contended monitor
 * unmounts, and may be handed the monitor while unmounted; it then holds it until its loop runs it again, which a
 * loop thread blocked on that monitor never does. Seen under load (issue 6): a loop taking new requests' fibers
 * from the group's queue blocked for good in the fiber registry while one of its fibers, ending, owned it, because
 * a dashboard was reading the census from another thread.
 */
@Timeout(120)
class LoopThreadNeverWaitsOnItsFibersTest {

    private static final int PARKED_FIBERS = 20_000;
    private static final int STARTS = 20_000;

    @Test
    void a_loop_starting_fibers_from_the_shared_queue_keeps_going_while_another_thread_reads_its_census() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            FiberRegistry registry = FiberRegistry.of(loop);
            // Many live fibers make each census long, so that fibers ending meanwhile meet the lock taken.
            Event release = new Event();
            for (int i = 0; i < PARKED_FIBERS; i++) {
                Fiber.builder().loop(loop).start(() -> release.await());
            }
            await().until(() -> registry.census().parked() == PARKED_FIBERS);

            AtomicInteger ended = new AtomicInteger();
            try (Reader reader = Reader.start(() -> registry.census())) {
                // The loop thread itself creates and registers each fiber (as for a request handed to the group),
                // while its earlier fibers end and leave the registry.
                for (int i = 0; i < STARTS; i++) {
                    group.execute(() -> Fiber.builder().loop(EventLoop.current()).start(ended::incrementAndGet));
                }

                // 20,000 starts and a census per start on a loaded two-core machine: more than the usual limit.
                await().atMost(LIMIT.multipliedBy(3)).alias("every fiber started by the loop thread ended")
                        .until(() -> ended.get() == STARTS);
                assertThat(reader.reads()).isPositive();
            }
            release.set();
            await().until(() -> registry.liveCount() == 0);
        }
    }

    /** A platform thread that calls the action over and over until closed. */
    private static final class Reader implements AutoCloseable {

        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger reads = new AtomicInteger();

        private Reader(Runnable action) {
            this.thread = Thread.ofPlatform().daemon().name("reader").unstarted(() -> {
                while (!stop.get()) {
                    action.run();
                    reads.incrementAndGet();
                }
            });
        }

        static Reader start(Runnable action) {
            Reader reader = new Reader(action);
            reader.thread.start();
            return reader;
        }

        int reads() {
            return reads.get();
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
