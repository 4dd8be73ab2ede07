package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.task.TaskRejectedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class FiberExecutorTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = EventLoopGroup.create(2);

    @AfterEach
    void closeGroup() {
        group.close(WAIT);
    }

    @Test
    void runsEachTaskOnANewFiberOfTheGroup() throws Exception {
        FiberExecutor executor = new FiberExecutor(group);
        Fiber<?> first = executor.submitCompletable((Callable<Fiber<?>>) Fiber::current).get(10, TimeUnit.SECONDS);
        Fiber<?> second = executor.submitCompletable((Callable<Fiber<?>>) Fiber::current).get(10, TimeUnit.SECONDS);
        assertThat(first).isNotNull().isNotSameAs(second);
        assertThat(first.loop().group()).isSameAs(group);
        assertThat(executor.getFibersStarted()).isEqualTo(2);
    }

    @Test
    void aTaskSubmittedFromAFiberOfTheGroupStaysOnItsLoop() {
        FiberExecutor executor = new FiberExecutor(group);
        for (EventLoop loop : group.loops()) {
            EventLoop childLoop = Fiber.builder().loop(loop).start(() -> executor
                .submitCompletable((Callable<EventLoop>) () -> Fiber.current().loop())
                .get(10, TimeUnit.SECONDS)).join(WAIT);
            assertThat(childLoop).isSameAs(loop);
        }
    }

    @Test
    void aTaskFromOutsideTheGroupStartsOnAFreeLoopWhileAnotherIsHeld() throws Exception {
        FiberExecutor executor = new FiberExecutor(group);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        group.loop(0).execute(() -> {
            entered.countDown();
            awaitQuietly(release);
        });
        try {
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++) {
                EventLoop loop = executor.submitCompletable((Callable<EventLoop>) () -> Fiber.current().loop())
                    .get(10, TimeUnit.SECONDS);
                assertThat(loop).isSameAs(group.loop(1));
            }
        } finally {
            release.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void namesFibersWithThePrefix() throws Exception {
        FiberExecutor executor = new FiberExecutor(group, "http-");
        assertThat(executor.submitCompletable(() -> Fiber.current().name()).get(10, TimeUnit.SECONDS)).isEqualTo("http-1");
        assertThat(executor.submitCompletable(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS))
            .isEqualTo("http-2");
    }

    @Test
    void appliesTheTaskDecoratorOnTheSubmittingThread() throws Exception {
        FiberExecutor executor = new FiberExecutor(group);
        Thread submitter = Thread.currentThread();
        executor.setTaskDecorator(task -> {
            String decoratedOn = Thread.currentThread().getName();
            return () -> {
                Thread.currentThread().setName("decorated on " + decoratedOn);
                task.run();
            };
        });
        assertThat(executor.submitCompletable(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS))
            .isEqualTo("decorated on " + submitter.getName());
    }

    @Test
    void rejectsTasksOnceTheGroupIsClosed() {
        FiberExecutor executor = new FiberExecutor(group);
        group.close(WAIT);
        assertThatExceptionOfType(TaskRejectedException.class).isThrownBy(() -> executor.execute(() -> {
        })).withMessageContaining("did not accept task");
        assertThat(executor.getFibersStarted()).isZero();
    }
}
