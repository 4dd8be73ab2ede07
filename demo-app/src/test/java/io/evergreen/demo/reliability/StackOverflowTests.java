package io.evergreen.demo.reliability;

import io.evergreen.demo.reliability.FaultyHandlers.Where;
import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A {@link StackOverflowError} is an {@link Error}, not an exception: it must end the fiber (or callback) it was
 * thrown in and nothing else. Afterwards the same loop still runs callbacks, timers, new fibers and requests.
 */
class StackOverflowTests extends AbstractFaultsTests {

    @Autowired
    FaultyHandlers handlers;

    @Test
    void aStackOverflowInARequestFiberIsA500AndItsLoopKeepsRunning() throws Exception {
        HttpResponse<String> response = http.get("/faults/overflow");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(logs.of("org.apache.catalina", Level.SEVERE)).as("Tomcat's log of the failure")
            .anyMatch(record -> LogRecords.thrownIncludes(record, StackOverflowError.class, null));
        int overflowed = handlers.lastOverflowLoop();
        assertThat(overflowed).isBetween(0, 1);
        assertLoopStillRuns(group.loop(overflowed));
        assertThat(served(probes())).extracting(Where::loop).contains(overflowed);
    }

    /**
     * Outside fibers, {@code Fiber.spawn} uses the default group: the one the last application context started
     * set, or Evergreen's own. Which one does not matter here: each is a group of loops like any other.
     */
    @Test
    void aStackOverflowInAFiberSpawnedOutsideFibersFailsThatFiberOnlyAndItsLoopKeepsRunning() throws Exception {
        Fiber<Long> overflowing = Fiber.spawn(() -> Recursion.deeper(0));

        assertFailedWithStackOverflow(overflowing);
        assertLoopStillRuns(overflowing.loop());
    }

    /** Spawned from a fiber of the application's group: on its parent's loop, which the parent still runs on. */
    @Test
    void aStackOverflowInAChildFiberFailsThatFiberOnlyAndItsParentsLoopKeepsRunning() throws Exception {
        EventLoop loop = group.loop(1);
        Fiber<Throwable> parent = Fiber.builder().loop(loop).start(() -> {
            Fiber<Long> child = Fiber.spawn(() -> Recursion.deeper(0));
            Throwable failure = catchThrowable(() -> child.join(PATIENCE));
            return EventLoop.current() == loop && child.loop() == loop ? failure : new AssertionError("moved off " + loop);
        });

        assertThat(parent.join(PATIENCE)).isInstanceOf(FiberFailedException.class).hasCauseInstanceOf(StackOverflowError.class);
        assertLoopStillRuns(loop);
    }

    private static void assertFailedWithStackOverflow(Fiber<?> fiber) {
        Throwable failure = catchThrowable(() -> fiber.join(PATIENCE));

        assertThat(failure).isInstanceOf(FiberFailedException.class).hasCauseInstanceOf(StackOverflowError.class);
        assertThat(fiber.state()).isEqualTo(FiberState.FAILED);
    }

    /** Not a fiber: a plain callback on the loop thread's own stack. The loop logs it, counts it and goes on. */
    @Test
    void aStackOverflowInALoopCallbackIsCountedAndTheLoopKeepsRunning() throws Exception {
        EventLoop loop = group.loop(0);
        long failuresBefore = loop.stats().callbackFailures();

        loop.callSoon(() -> Recursion.deeper(0));

        assertLoopStillRuns(loop);
        assertThat(loop.stats().callbackFailures()).isEqualTo(failuresBefore + 1);
    }

    /** A callback, a timer and a new fiber each run on the loop, in that order of submission. */
    private static void assertLoopStillRuns(EventLoop loop) throws Exception {
        CompletableFuture<Thread> callback = new CompletableFuture<>();
        loop.callSoon(() -> callback.complete(Thread.currentThread()));
        assertThat(callback.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isSameAs(loop.thread());

        CompletableFuture<Thread> timer = new CompletableFuture<>();
        loop.callLater(java.time.Duration.ofMillis(1), () -> timer.complete(Thread.currentThread()));
        assertThat(timer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isSameAs(loop.thread());

        Fiber<EventLoop> fiber = Fiber.builder().loop(loop).start(EventLoop::current);
        assertThat(fiber.join(PATIENCE)).isSameAs(loop);
        assertThat(loop.isStopping()).isFalse();
        assertThat(loop.thread().isAlive()).isTrue();
    }
}
