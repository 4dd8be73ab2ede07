package io.evergreen.monitor;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.evergreen.testing.Waiting.LIMIT;
import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class LoopWatchdogTest {

    private static final Duration THRESHOLD = Duration.ofMillis(100);
    private static final Duration SPIN = Duration.ofMillis(300);

    /** Held strongly, so that JUL keeps the settings below. */
    private static final Logger WATCHDOG_LOG = Logger.getLogger(LoopWatchdog.class.getName());

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void quietWatchdogLog() {
        // Every incident these tests cause is logged with a stack: keep them off the console.
        WATCHDOG_LOG.setUseParentHandlers(false);
    }

    @AfterAll
    static void restoreWatchdogLog() {
        WATCHDOG_LOG.setUseParentHandlers(true);
    }

    @AfterEach
    void closeAll() throws Exception {
        // Watchdogs before groups: reverse order of creation.
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private EventLoopGroup group(int loops) {
        EventLoopGroup group = EventLoopGroup.create(loops);
        toClose.add(group);
        return group;
    }

    private LoopWatchdog watch(EventLoopGroup group, Duration threshold) {
        LoopWatchdog watchdog = LoopWatchdog.start(group, threshold);
        toClose.add(watchdog);
        return watchdog;
    }

    /** Records what a listener is told, in order. */
    private static final class Recording implements BlockedLoopListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Boolean> ongoingWhenBlocked = new CopyOnWriteArrayList<>();
        final List<Boolean> ongoingWhenUnblocked = new CopyOnWriteArrayList<>();

        @Override
        public void loopBlocked(BlockedLoopEvent event) {
            calls.add("blocked #" + event.sequence());
            ongoingWhenBlocked.add(event.isOngoing());
        }

        @Override
        public void loopUnblocked(BlockedLoopEvent event) {
            calls.add("unblocked #" + event.sequence());
            ongoingWhenUnblocked.add(event.isOngoing());
        }
    }

    /** A platform thread that wakes every 2 ms and keeps the longest gap between its wake-ups. */
    private static final class StallCanary implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile long maxGapNanos;
        private final Thread thread = Thread.ofPlatform().daemon().name("stall-canary").start(() -> {
            long last = System.nanoTime();
            while (!stop.get()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                long now = System.nanoTime();
                maxGapNanos = Math.max(maxGapNanos, now - last);
                last = now;
            }
        });

        Duration maxGap() {
            return Duration.ofNanos(maxGapNanos);
        }

        @Override
        public void close() {
            stop.set(true);
            LockSupport.unpark(thread);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Busy-waits without yielding until at least {@code duration} has passed and {@code until} holds. */
    private static void spinWithoutYielding(Duration duration, BooleanSupplier until) {
        long start = System.nanoTime();
        long safety = start + LIMIT.toNanos();
        while ((System.nanoTime() - start < duration.toNanos() || !until.getAsBoolean())
                && System.nanoTime() < safety) {
            Thread.onSpinWait();
        }
    }

    private static void spinInCallback(Duration duration, BooleanSupplier until) {
        spinWithoutYielding(duration, until);
    }

    /**
     * Whether the watchdog has reported the loop's {@code n}th incident and it is still ongoing, so that its
     * stack has been taken (the count moves before the stack is taken; the ongoing incident is set after).
     */
    private static BooleanSupplier reported(LoopWatchdog watchdog, int loop, long n) {
        return () -> watchdog.blockedCount(loop) >= n && watchdog.isBlocked(loop);
    }

    @Test
    void the_threshold_must_be_positive() {
        EventLoopGroup group = group(1);
        assertThatThrownBy(() -> LoopWatchdog.start(group, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoopWatchdog.start(group, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_fiber_that_holds_its_loop_is_reported_once_with_its_name_and_stack() {
        EventLoopGroup group = group(2);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        assertThat(watchdog.threshold()).isEqualTo(THRESHOLD);
        Recording listener = new Recording();
        watchdog.addListener(listener);
        EventLoop loop = group.loop(1);
        AtomicBoolean release = new AtomicBoolean();

        Fiber<Void> spinner = Fiber.builder().loop(loop).name("spinner")
                .start(() -> spinWithoutYielding(SPIN, release::get));

        await().until(() -> watchdog.isBlocked(1));
        BlockedLoopEvent ongoing = watchdog.currentIncident(1);
        assertThat(ongoing).isNotNull();
        assertThat(ongoing.isOngoing()).isTrue();
        assertThat(ongoing.duration()).isGreaterThanOrEqualTo(THRESHOLD);
        assertThat(ongoing.startedAt()).isBeforeOrEqualTo(Instant.now());
        assertThat(ongoing.toString()).endsWith("(ongoing)");
        assertThat(watchdog.lastEvent(1)).isSameAs(ongoing);
        assertThat(watchdog.isBlocked(0)).isFalse();
        release.set(true);
        spinner.join();

        await().until(() -> !watchdog.isBlocked(1) && listener.calls.size() == 2);
        BlockedLoopEvent event = watchdog.lastEvent(1);
        assertThat(event).isSameAs(ongoing);
        assertThat(event.isOngoing()).isFalse();
        assertThat(event.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(event.duration()).isEqualTo(event.duration()); // frozen once over
        assertThat(event.sequence()).isEqualTo(1);
        assertThat(event.blockedByFiber()).isTrue();
        assertThat(event.fiberName()).isEqualTo("spinner");
        assertThat(event.fiberId()).isEqualTo(spinner.id());
        assertThat(event.culprit()).isEqualTo("fiber spinner (id " + spinner.id() + ")");
        assertThat(event.loopIndex()).isEqualTo(1);
        assertThat(event.loopName()).isEqualTo(loop.thread().getName());
        assertThat(event.threshold()).isEqualTo(THRESHOLD);
        assertThat(event.stack()).extracting(StackTraceElement::getMethodName).contains("spinWithoutYielding");
        assertThat(event.toString()).contains(loop.thread().getName(), "spinner").doesNotContain("ongoing");

        assertThat(watchdog.currentIncident(1)).isNull();
        assertThat(watchdog.blockedCount(1)).isEqualTo(1);
        assertThat(watchdog.blockedCount(0)).isZero();
        assertThat(watchdog.blockedCount()).isEqualTo(1);
        assertThat(watchdog.lastEvent(0)).isNull();
        assertThat(watchdog.recentEvents()).containsExactly(event);
        assertThat(listener.calls).containsExactly("blocked #1", "unblocked #1");
        assertThat(listener.ongoingWhenBlocked).containsExactly(true);
        assertThat(listener.ongoingWhenUnblocked).containsExactly(false);
    }

    @Test
    void a_plain_callback_that_holds_its_loop_is_reported_as_a_callback() {
        EventLoopGroup group = group(1);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        EventLoop loop = group.loop(0);
        CompletableFuture<Void> done = new CompletableFuture<>();

        loop.execute(() -> {
            spinInCallback(SPIN, () -> watchdog.isBlocked(0));
            done.complete(null);
        });
        done.join();

        await().until(() -> watchdog.lastEvent(0) != null && !watchdog.lastEvent(0).isOngoing());
        BlockedLoopEvent event = watchdog.lastEvent(0);
        assertThat(event.blockedByFiber()).isFalse();
        assertThat(event.culprit()).isEqualTo("a callback");
        assertThat(event.lockWaitedFor()).isNull();
        assertThat(event.fiberId()).isEqualTo(-1);
        assertThat(event.fiberName()).isNull();
        assertThat(event.loopIndex()).isZero();
        // The loop thread's own stack, taken while it spun.
        assertThat(event.stack()).extracting(StackTraceElement::getMethodName).contains("spinInCallback");
        assertThat(event.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(watchdog.blockedCount()).isEqualTo(1);
    }

    @Test
    void a_callback_that_makes_its_loop_wait_for_a_lock_is_reported_with_the_lock() {
        EventLoopGroup group = group(1);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        EventLoop loop = group.loop(0);
        Object contended = new Object();
        CompletableFuture<Void> done = new CompletableFuture<>();

        synchronized (contended) {
            loop.execute(() -> {
                synchronized (contended) {
                    done.complete(null);
                }
            });
            await().until(() -> watchdog.isBlocked(0));
        }
        done.join();

        await().until(() -> watchdog.lastEvent(0) != null && !watchdog.lastEvent(0).isOngoing());
        BlockedLoopEvent event = watchdog.lastEvent(0);
        assertThat(event.blockedByFiber()).isFalse();
        assertThat(event.lockWaitedFor()).startsWith(Object.class.getName() + "@");
        assertThat(event.culprit()).isEqualTo("a callback waiting for " + event.lockWaitedFor());
    }

    @Test
    void idle_loops_and_loops_running_short_callbacks_are_never_reported() {
        EventLoopGroup group = group(2);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        Recording listener = new Recording();
        watchdog.addListener(listener);
        EventLoop busy = group.loop(0);
        List<Fiber<Long>> fibers = new ArrayList<>();
        try (StallCanary canary = new StallCanary()) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (int i = 0; i < 4; i++) {
                fibers.add(Fiber.builder().loop(busy).start(() -> {
                    long yields = 0;
                    while (System.nanoTime() < until) {
                        Fiber.yieldNow();
                        yields++;
                    }
                    return yields;
                }));
            }
            fibers.forEach(Fiber::join);
            // The watchdog takes a stall of the whole process (or of its own thread) for a held loop: see
            // a_late_watchdog_does_not_blame_loops_that_kept_moving. Such a stall says nothing of this test.
            Duration stall = canary.maxGap();
            assumeTrue(stall.compareTo(THRESHOLD.dividedBy(2)) < 0,
                    () -> "this process stalled for " + stall.toMillis() + " ms (seen by a canary thread)");
        }

        // Loop 0 ran many short fiber slices for a second; loop 1 stayed idle all along.
        assertThat(fibers).allSatisfy(f -> assertThat(f.join()).isPositive());
        assertThat(watchdog.recentEvents()).isEmpty();
        assertThat(watchdog.blockedCount()).isZero();
        assertThat(watchdog.blockedCount(0)).isZero();
        assertThat(watchdog.blockedCount(1)).isZero();
        assertThat(listener.calls).isEmpty();
    }

    /**
     * A stand-in for anything that makes the watchdog's own thread late while the loops run on: a GC pause,
     * a starved process, a slow listener or log handler. Loop 1 never runs a callback longer than 20 ms,
     * yet today it is reported held for about as long as the watchdog was late, by "a callback": the
     * watchdog measures from its last look, so its own lateness counts as the loop's. (Loop 0's incident,
     * a 150 ms hold, is likewise reported as some 450 ms.) Also, one look's {@code now} serves every loop of a
     * pass, so a slow look at one loop ages the others.
     */
    @Test
    void a_late_watchdog_does_not_blame_loops_that_kept_moving() {
        EventLoopGroup group = group(2);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        watchdog.addListener(new BlockedLoopListener() {
            @Override
            public void loopBlocked(BlockedLoopEvent event) {
                if (event.loopIndex() == 0) {
                    // Keeps the watchdog thread away for three thresholds.
                    LockSupport.parkNanos(THRESHOLD.multipliedBy(3).toNanos());
                }
            }
        });
        EventLoop moving = group.loop(1);
        AtomicBoolean stop = new AtomicBoolean();
        moving.execute(new Runnable() {
            @Override
            public void run() {
                spinWithoutYielding(Duration.ofMillis(20), () -> true);
                if (!stop.get()) {
                    moving.execute(this);
                }
            }
        });
        try {
            CompletableFuture<Void> done = new CompletableFuture<>();
            group.loop(0).execute(() -> {
                spinInCallback(Duration.ofMillis(150), () -> watchdog.isBlocked(0));
                done.complete(null);
            });
            done.join();
            await().until(() -> watchdog.lastEvent(0) != null && !watchdog.lastEvent(0).isOngoing());
            // Let the watchdog look at the moving loop a few more times.
            long looksFrom = System.nanoTime();
            await().until(() -> System.nanoTime() - looksFrom >= THRESHOLD.toNanos());
        } finally {
            stop.set(true);
        }

        assertThat(watchdog.blockedCount(1)).as("incidents of a loop whose callbacks last 20 ms").isZero();
    }

    @Test
    void two_holds_are_two_incidents_newest_first() {
        EventLoopGroup group = group(1);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        Recording listener = new Recording();
        watchdog.addListener(listener);
        EventLoop loop = group.loop(0);

        for (int n = 1; n <= 2; n++) {
            long incident = n;
            Fiber.builder().loop(loop).name("spinner-" + n)
                    .start(() -> spinWithoutYielding(Duration.ZERO, reported(watchdog, 0, incident)))
                    .join();
            await().until(() -> listener.calls.size() == 2 * incident);
        }

        List<BlockedLoopEvent> recent = watchdog.recentEvents();
        assertThat(recent).extracting(BlockedLoopEvent::sequence).containsExactly(2L, 1L);
        assertThat(recent).extracting(BlockedLoopEvent::fiberName).containsExactly("spinner-2", "spinner-1");
        assertThat(recent).noneMatch(BlockedLoopEvent::isOngoing);
        assertThat(recent).allSatisfy(e -> assertThat(e.stack()).extracting(StackTraceElement::getMethodName)
                .contains("spinWithoutYielding"));
        assertThat(watchdog.blockedCount(0)).isEqualTo(2);
        assertThat(watchdog.blockedCount()).isEqualTo(2);
        assertThat(listener.calls).containsExactly("blocked #1", "unblocked #1", "blocked #2", "unblocked #2");
    }

    @Test
    void a_removed_listener_is_told_nothing_more() {
        EventLoopGroup group = group(1);
        LoopWatchdog watchdog = watch(group, THRESHOLD);
        Recording removed = new Recording();
        Recording kept = new Recording();
        watchdog.addListener(removed);
        watchdog.addListener(kept);
        watchdog.removeListener(removed);

        Fiber.builder().loop(group.loop(0))
                .start(() -> spinWithoutYielding(Duration.ZERO, reported(watchdog, 0, 1))).join();

        await().until(() -> kept.calls.size() == 2);
        assertThat(removed.calls).isEmpty();
    }

    @Test
    void the_recent_events_are_a_ring_of_the_newest() {
        EventLoopGroup group = group(1);
        LoopWatchdog watchdog = watch(group, Duration.ofMillis(5));
        EventLoop loop = group.loop(0);
        int holds = LoopWatchdog.RECENT_EVENTS + 6;

        for (int n = 1; n <= holds; n++) {
            long incidents = n;
            CompletableFuture<Void> done = new CompletableFuture<>();
            // Each hold lasts until the watchdog has reported it: one incident per hold, however slow the machine.
            loop.execute(() -> {
                spinWithoutYielding(Duration.ZERO, reported(watchdog, 0, incidents));
                done.complete(null);
            });
            done.join();
        }
        await().until(() -> !watchdog.isBlocked(0));

        List<BlockedLoopEvent> recent = watchdog.recentEvents();
        // A loaded machine may add an incident of its own (a loop thread descheduled past 5 ms): count from the end.
        long total = watchdog.blockedCount();
        assertThat(total).isGreaterThanOrEqualTo(holds);
        assertThat(watchdog.blockedCount(0)).isEqualTo(total);
        assertThat(recent).hasSize(LoopWatchdog.RECENT_EVENTS);
        assertThat(recent.getFirst()).isSameAs(watchdog.lastEvent(0));
        for (int i = 0; i < recent.size(); i++) {
            assertThat(recent.get(i).sequence()).isEqualTo(total - i);
        }
    }

    @Test
    void a_closed_group_is_not_reported_and_close_ends_the_watchdog_thread() {
        EventLoopGroup group = EventLoopGroup.create(2);
        LoopWatchdog watchdog = LoopWatchdog.start(group, Duration.ofMillis(5));
        try {
            await().until(() -> watchdogThreads() > 0);
            group.close();
            assertThat(group.isTerminated()).isTrue();
            // Twenty-odd looks at the terminated loops: none is taken for a held loop.
            await().during(Duration.ofMillis(100)).until(() -> watchdog.blockedCount() == 0);
        } finally {
            watchdog.close();
            group.close();
        }

        await().until(() -> watchdogThreads() == 0);
    }

    private static long watchdogThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("evergreen-watchdog") && t.isAlive()).count();
    }

    @Test
    void each_incident_is_logged_once_as_a_warning_with_the_culprits_stack() {
        Logger logger = WATCHDOG_LOG;
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            EventLoopGroup group = group(1);
            LoopWatchdog watchdog = watch(group, THRESHOLD);
            Fiber<Void> spinner = Fiber.builder().loop(group.loop(0)).name("logged-spinner")
                    .start(() -> spinWithoutYielding(Duration.ZERO, reported(watchdog, 0, 1)));
            spinner.join();
            await().until(() -> !watchdog.isBlocked(0));

            List<LogRecord> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
            assertThat(warnings).hasSize(1);
            LogRecord warning = warnings.getFirst();
            assertThat(warning.getMessage()).contains("logged-spinner", "blocked");
            assertThat(warning.getThrown()).isNotNull();
            assertThat(warning.getThrown().getMessage()).contains("logged-spinner");
            assertThat(warning.getThrown().getStackTrace()).extracting(StackTraceElement::getMethodName)
                    .contains("spinWithoutYielding");
        } finally {
            logger.removeHandler(handler);
        }
    }
}
