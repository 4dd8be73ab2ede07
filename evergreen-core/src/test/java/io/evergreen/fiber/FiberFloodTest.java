package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.Handle;
import io.evergreen.sync.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of fibers with nothing to limit it: 100,000 spawned in a tight loop. Evergreen puts no cap on fibers
 * (a parked fiber is a small heap object; bounding concurrency is the application's job, as
 * {@code evergreen.web.max-in-flight} does for HTTP) and refuses a start only once its group is closing (see
 * {@code EventLoopGroupTest}). So every spawn is accepted, all 100,000 fibers are alive at once, all complete,
 * the loop keeps running its timers while it works through them, and afterwards serves new work as before.
 * <p>
 * The flood fibers of a loop park on one event, so that all are alive together; a callback on the loop sets
 * it, which puts every one of them on the ready queue in one go. Each yields once on its way out, to the back
 * of the queue: the drain then takes at least two iterations of the loop, and the timer phase between them
 * must run. A ready phase that chased the callbacks queued while it ran would starve the timers (and with them
 * every sleep and timeout on the loop) until the whole flood was done.
 */
@Timeout(120)
class FiberFloodTest {

    private static final int FLOOD = 100_000;

    @Test
    void a_hundred_thousand_fibers_spawned_from_a_fiber_all_run_on_its_loop_and_its_timers_keep_running()
            throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            EventLoop loop = group.loop(0);
            Flood flood = new Flood(loop, FLOOD);

            // The spawner holds its loop for the whole tight loop (fibers are cooperative); the children queue.
            List<Fiber<Void>> fibers = Fiber.builder().loop(loop).name("spawner").start(() -> {
                List<Fiber<Void>> spawned = new ArrayList<>(FLOOD);
                for (int i = 0; i < FLOOD; i++) {
                    spawned.add(Fiber.spawn(flood::body));
                }
                return spawned;
            }).join(LIMIT);

            assertThat(fibers).hasSize(FLOOD).allSatisfy(f -> assertThat(f.loop()).isSameAs(loop));
            flood.awaitAllParked();

            drain(List.of(flood), fibers);

            assertThat(group.liveFibers()).isZero();
            assertTheLoopStillServes(loop);
        }
    }

    @Test
    void a_hundred_thousand_fibers_spawned_from_a_platform_thread_all_run_and_every_loop_keeps_running_its_timers()
            throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2)) {
            List<Flood> floods = group.loops().stream().map(loop -> new Flood(loop, FLOOD / group.size())).toList();

            List<Fiber<Void>> fibers = new ArrayList<>(FLOOD);
            for (int i = 0; i < FLOOD; i++) {
                Flood flood = floods.get(group.next().index());
                fibers.add(Fiber.builder().loop(flood.loop).start(flood::body));
            }

            floods.forEach(Flood::awaitAllParked);

            drain(floods, fibers);

            assertThat(group.liveFibers()).isZero();
            for (EventLoop loop : group.loops()) {
                assertTheLoopStillServes(loop);
            }
        }
    }

    /** Releases the parked floods and joins every fiber, each loop's timer beating meanwhile. */
    private static void drain(List<Flood> floods, List<Fiber<Void>> fibers) {
        List<Heartbeat> heartbeats = floods.stream().map(Heartbeat::start).toList();
        try {
            floods.forEach(Flood::release);
            for (Fiber<Void> fiber : fibers) {
                fiber.join(LIMIT);
            }
        } finally {
            heartbeats.forEach(Heartbeat::stop);
        }
        assertThat(fibers).allSatisfy(f -> assertThat(f.state()).isEqualTo(FiberState.DONE));
        for (Flood flood : floods) {
            assertThat(flood.finished.sum()).isEqualTo(flood.size);
            assertThat(FiberRegistry.of(flood.loop).liveCount()).isZero();
        }
        assertThat(heartbeats).allSatisfy(h -> assertThat(h.beatsWhileDraining())
                .as("timer runs on %s while its flood was draining", h.flood.loop)
                .isPositive());
    }

    /** A timer and a callback queued after the flood run, and so does a new fiber. */
    private static void assertTheLoopStillServes(EventLoop loop) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(2);
        loop.callLater(Duration.ofMillis(1), ran::countDown);
        loop.callSoon(ran::countDown);
        assertThat(ran.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).as("%s runs new work", loop).isTrue();
        assertThat(Fiber.builder().loop(loop).start(() -> "after the flood").join(LIMIT)).isEqualTo("after the flood");
    }

    /** The flood fibers of one loop: each waits for the release, yields once, and counts itself finished. */
    private static final class Flood {

        final EventLoop loop;
        final int size;
        private final Event release = new Event();
        private final LongAdder resumed = new LongAdder();
        final LongAdder finished = new LongAdder();

        Flood(EventLoop loop, int size) {
            this.loop = loop;
            this.size = size;
        }

        void body() {
            release.await();
            resumed.increment();
            Fiber.yieldNow();
            finished.increment();
        }

        void awaitAllParked() {
            FiberRegistry registry = FiberRegistry.of(loop);
            // A census walks every live fiber under the registry's lock: poll it gently.
            await().pollInterval(Duration.ofMillis(50))
                    .alias(size + " fibers parked on " + loop)
                    .until(() -> registry.census().parked() == size);
            assertThat(registry.liveCount()).isEqualTo(size);
        }

        /** Wakes every fiber of the flood from the loop thread: all of them are queued on the loop at once. */
        void release() {
            loop.execute(release::set);
        }

        /** Whether fibers have resumed and not all of them have finished. */
        boolean draining() {
            return resumed.sum() > 0 && finished.sum() < size;
        }
    }

    /**
     * A timer that fires every millisecond on a flood's loop and counts the times it ran while the flood was
     * draining. Running 100,000 (or 50,000) fibers up to their yield takes far longer than a millisecond on any
     * machine, so the timer is due by the time the loop can next run its timers.
     */
    private static final class Heartbeat implements Runnable {

        private static final Duration PERIOD = Duration.ofMillis(1);

        final Flood flood;
        private final LongAdder beatsWhileDraining = new LongAdder();
        private volatile boolean stopped;
        private volatile Handle next;

        private Heartbeat(Flood flood) {
            this.flood = flood;
        }

        static Heartbeat start(Flood flood) {
            Heartbeat heartbeat = new Heartbeat(flood);
            heartbeat.next = flood.loop.callLater(PERIOD, heartbeat);
            return heartbeat;
        }

        @Override
        public void run() {
            if (stopped) {
                return;
            }
            if (flood.draining()) {
                beatsWhileDraining.increment();
            }
            next = flood.loop.callLater(PERIOD, this);
        }

        long beatsWhileDraining() {
            return beatsWhileDraining.sum();
        }

        void stop() {
            stopped = true;
            next.cancel();
        }
    }
}
