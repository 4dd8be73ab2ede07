package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BlockingHandlerExecutorTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = EventLoopGroup.create(2);

    @AfterEach
    void closeGroup() {
        group.close(WAIT);
    }

    @Test
    void aTaskFromAThreadThatIsNoFiberStartsAFiber() throws Exception {
        FiberExecutor fibers = new FiberExecutor(group);
        BlockingHandlerExecutor executor = new BlockingHandlerExecutor(fibers);
        CompletableFuture<Fiber<?>> ranOn = new CompletableFuture<>();

        executor.execute(() -> ranOn.complete(Fiber.current()));

        assertThat(ranOn.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(fibers.getFibersStarted()).isEqualTo(1);
    }

    @Test
    void aTaskFromAFiberRunsOnThatFiberAtOnce() {
        FiberExecutor fibers = new FiberExecutor(group);
        BlockingHandlerExecutor executor = new BlockingHandlerExecutor(fibers);
        EventLoop loop = group.loop(1);

        List<Object> seen = Fiber.builder().loop(loop).start(() -> {
            Fiber<?> caller = Fiber.current();
            Object[] ranOn = new Object[1];
            executor.execute(() -> ranOn[0] = Fiber.current());
            return List.<Object>of(caller, ranOn[0]);
        }).join(WAIT);

        assertThat(seen.get(1)).isSameAs(seen.get(0));
        assertThat(fibers.getFibersStarted()).isZero();
    }

    /** WebFlux's path for a blocking method: subscribeOn and then publishOn on the same executor. */
    @Test
    void webFluxsTwoHandOffsOfOneInvocationTakeOneFiber() {
        FiberExecutor fibers = new FiberExecutor(group);
        Scheduler scheduler = Schedulers.fromExecutor(new BlockingHandlerExecutor(fibers));

        List<Object> fibersSeen = Mono.fromCallable(() -> (Object) Fiber.current())
            .publishOn(scheduler)
            .map(first -> List.of(first, Fiber.current()))
            .subscribeOn(scheduler)
            .block(WAIT);

        assertThat(fibersSeen.get(0)).isNotNull().isSameAs(fibersSeen.get(1));
        assertThat(fibers.getFibersStarted()).isEqualTo(1);
    }
}
