package io.evergreen.spring.autoconfigure;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberGroup;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.spring.EventLoopGroupLifecycle;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberSpawnDecorator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
class EvergreenAutoConfigurationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class))
        .withPropertyValues("evergreen.loops=2");

    @Test
    void createsTheGroupTheFiberExecutorAndTheLifecycle() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(EventLoopGroup.class)
                .hasSingleBean(FiberExecutor.class)
                .hasSingleBean(EventLoopGroupLifecycle.class)
                .hasSingleBean(FiberSpawnDecorator.class)
                .hasSingleBean(LoopWatchdog.class)
                .hasSingleBean(LoopLatencyProbe.class)
                .hasSingleBean(EvergreenProperties.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            assertThat(group.size()).isEqualTo(2);
            assertThat(group.mode()).isEqualTo(SchedulerMode.LOOP);
            assertThat(context.getBean(FiberExecutor.class).getGroup()).isSameAs(group);
            assertThat(context.getBean(EventLoopGroupLifecycle.class).isRunning()).isTrue();
        });
    }

    @Test
    void loopsDefaultToOnePerAvailableProcessor() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class))
            .run(context -> assertThat(context.getBean(EventLoopGroup.class).size())
                .isEqualTo(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void schedulerPropertyChoosesTheJdkMode() {
        contextRunner.withPropertyValues("evergreen.scheduler=jdk")
            .run(context -> assertThat(context.getBean(EventLoopGroup.class).mode()).isEqualTo(SchedulerMode.JDK));
    }

    @Test
    void propertiesBind() {
        contextRunner
            .withPropertyValues("evergreen.shutdown-timeout=5s", "evergreen.web.max-in-flight=100",
                    "evergreen.web.retry-after=3s", "evergreen.web.enabled=false", "evergreen.async.enabled=false",
                    "evergreen.blocked-threshold=250ms", "evergreen.latency-probe-interval=1s")
            .run(context -> {
                EvergreenProperties properties = context.getBean(EvergreenProperties.class);
                assertThat(properties.getLoops()).isEqualTo(2);
                assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
                assertThat(properties.getWeb().getMaxInFlight()).isEqualTo(100);
                assertThat(properties.getWeb().getRetryAfter()).isEqualTo(Duration.ofSeconds(3));
                assertThat(properties.getWeb().isEnabled()).isFalse();
                assertThat(properties.getAsync().isEnabled()).isFalse();
                assertThat(context.getBean(LoopWatchdog.class).threshold()).isEqualTo(Duration.ofMillis(250));
                assertThat(context.getBean(LoopLatencyProbe.class).interval()).isEqualTo(Duration.ofSeconds(1));
            });
    }

    @Test
    void backsOffWhenDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(EventLoopGroup.class)
                .doesNotHaveBean(FiberExecutor.class)
                .doesNotHaveBean(EventLoopGroupLifecycle.class));
    }

    @Test
    void isOnForEveryValueTheBinderReadsAsTrueAndOffForEveryFalse() {
        contextRunner.withPropertyValues("evergreen.enabled=yes")
            .run(context -> assertThat(context).hasSingleBean(EventLoopGroup.class));
        contextRunner.withPropertyValues("evergreen.enabled=off")
            .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(EventLoopGroup.class));
    }

    /** Spring Boot's boolean condition would read a typo as "not true" and switch Evergreen off in silence. */
    @Test
    void aValueThatIsNoBooleanFailsInsteadOfSwitchingEvergreenOff() {
        contextRunner.withPropertyValues("evergreen.enabled=ture")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessage("Invalid boolean value 'ture'"));
    }

    @Test
    void usesTheApplicationsOwnGroup() {
        contextRunner.withUserConfiguration(UserGroupConfiguration.class).run(context -> {
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            assertThat(group.size()).isEqualTo(1);
            assertThat(context.getBean(FiberExecutor.class).getGroup()).isSameAs(group);
            assertThat(context.getBean(EventLoopGroupLifecycle.class).getGroup()).isSameAs(group);
        });
    }

    @Test
    void usesTheApplicationsOwnFiberExecutor() {
        contextRunner.withUserConfiguration(UserExecutorConfiguration.class)
            .run(context -> assertThat(context.getBean(FiberExecutor.class))
                .isSameAs(context.getBean(UserExecutorConfiguration.class).executor));
    }

    @Test
    void theGroupIsFiberSpawnsDefaultWhileRunningAndIsClosedWithTheContext() {
        AtomicReference<EventLoopGroup> group = new AtomicReference<>();
        contextRunner.run(context -> {
            group.set(context.getBean(EventLoopGroup.class));
            assertThat(Fiber.defaultGroup()).isSameAs(group.get());
            assertThat(Fiber.taskDecorator()).isSameAs(context.getBean(FiberSpawnDecorator.class));
            EventLoop loop = Fiber.spawn(() -> Fiber.current().loop()).join(WAIT);
            assertThat(loop.group()).isSameAs(group.get());
        });
        assertThat(group.get().isTerminated()).isTrue();
        assertThat(Fiber.taskDecorator()).isNull();
    }

    @Test
    void loopThreadsAreNotDaemonsSoTheyKeepTheJvmAlive() {
        contextRunner.run(context -> assertThat(context.getBean(EventLoopGroup.class).loops())
            .allSatisfy(loop -> assertThat(loop.thread().isDaemon()).isFalse()));
    }

    /** The phases of the web server's own life cycles are checked on a running server in TomcatFibersTests. */
    @Test
    void theLifecycleStopsAfterTheWebServersGracefulShutdown() {
        int gracefulShutdownPhase = new WebServerGracefulShutdownLifecycle(null).getPhase();
        contextRunner.run(context -> {
            int phase = context.getBean(EventLoopGroupLifecycle.class).getPhase();
            assertThat(phase).isEqualTo(EventLoopGroupLifecycle.PHASE).isLessThan(gracefulShutdownPhase);
        });
    }

    @Test
    void closingTheContextLetsRunningFibersFinish() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Fiber<String>> fiber = new AtomicReference<>();
        AtomicReference<EventLoopGroup> group = new AtomicReference<>();
        contextRunner.run(context -> {
            group.set(context.getBean(EventLoopGroup.class));
            fiber.set(Fiber.builder().loop(group.get().loop(0)).start(() -> {
                release.await();
                return "finished";
            }));
            awaitParked(fiber.get());
            // Release the fiber only once the context is closing and the group waits for it.
            CompletableFuture.runAsync(() -> {
                await().atMost(WAIT).until(() -> group.get().isClosing());
                release.countDown();
            });
        });
        assertThat(fiber.get().join(WAIT)).isEqualTo("finished");
        assertThat(group.get().isTerminated()).isTrue();
    }

    @Test
    void fibersStillRunningAfterTheShutdownTimeoutAreCancelled() {
        AtomicReference<Fiber<?>> fiber = new AtomicReference<>();
        contextRunner.withPropertyValues("evergreen.shutdown-timeout=50ms").run(context -> {
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            fiber.set(Fiber.builder().loop(group.loop(0)).start(() -> {
                new CountDownLatch(1).await();
                return null;
            }));
            awaitParked(fiber.get());
        });
        assertThat(fiber.get().isDone()).isTrue();
        assertThat(fiber.get().isCancelRequested()).isTrue();
    }

    @Test
    void mdcFollowsAFiberIntoTheFibersItSpawns() {
        contextRunner.run(context -> {
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            Map<String, String> seen = Fiber.builder().loop(group.loop(0)).start(() -> {
                MDC.put("requestId", "r-42");
                try (FiberGroup children = FiberGroup.open()) {
                    Fiber<String> spawned = Fiber.spawn(() -> MDC.get("requestId"));
                    Fiber<String> grouped = children.spawn(() -> MDC.get("requestId"));
                    children.join();
                    return Map.of("spawn", spawned.join(WAIT), "group", grouped.result());
                } finally {
                    MDC.clear();
                }
            }).join(WAIT);
            assertThat(seen).containsEntry("spawn", "r-42").containsEntry("group", "r-42");
        });
    }

    /** Fibers that finish while the loops drain may spawn children: those still get the creator's context. */
    @Test
    void fibersSpawnedWhileTheContextClosesStillGetTheMdc() {
        AtomicReference<Fiber<String>> fiber = new AtomicReference<>();
        AtomicReference<EventLoopGroup> group = new AtomicReference<>();
        CountDownLatch release = new CountDownLatch(1);
        contextRunner.run(context -> {
            group.set(context.getBean(EventLoopGroup.class));
            fiber.set(Fiber.builder().loop(group.get().loop(0)).start(() -> {
                MDC.put("requestId", "r-closing");
                try {
                    release.await();
                    return Fiber.spawn(() -> MDC.get("requestId")).join(WAIT);
                } finally {
                    MDC.clear();
                }
            }));
            awaitParked(fiber.get());
            CompletableFuture.runAsync(() -> {
                await().atMost(WAIT).until(() -> group.get().isClosing());
                release.countDown();
            });
        });
        assertThat(fiber.get().join(WAIT)).isEqualTo("r-closing");
        assertThat(Fiber.taskDecorator()).isNull();
    }

    @Test
    void saysOnceThatEvergreenWinsOverVirtualThreads(CapturedOutput output) {
        contextRunner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            assertThat(context).hasSingleBean(VirtualThreadsNotice.class);
            String notice = "spring.threads.virtual.enabled=true and Evergreen are both on: Evergreen's fibers run "
                    + "the embedded web server's requests and @Async and MVC async tasks (applicationTaskExecutor) "
                    + "instead of Spring Boot's virtual threads";
            assertThat(output).containsOnlyOnce(notice);
            assertThat(output.getOut().lines().filter(line -> line.contains(notice)))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("INFO");
        });
    }

    @Test
    void theNoticeLeavesOutAsyncTasksWhenSpringBootsExecutorIsForced(CapturedOutput output) {
        contextRunner.withPropertyValues("spring.threads.virtual.enabled=true", "spring.task.execution.mode=force")
            .run(context -> assertThat(output)
                .containsOnlyOnce("spring.threads.virtual.enabled=true and Evergreen are both on: Evergreen's fibers "
                        + "run the embedded web server's requests instead of Spring Boot's virtual threads")
                .doesNotContain("applicationTaskExecutor"));
    }

    @Test
    void saysNothingAboutVirtualThreadsWhenTheyAreOff(CapturedOutput output) {
        contextRunner.run(context -> {
            assertThat(context).doesNotHaveBean(VirtualThreadsNotice.class);
            assertThat(output).doesNotContain("spring.threads.virtual.enabled=true");
        });
    }

    /**
     * EventLoopGroup.close() counts a fiber as live only once it has run (it registers with its loop then): wait
     * for that, so that closing the context finds it.
     */
    private static void awaitParked(Fiber<?> fiber) {
        await().atMost(WAIT).until(() -> fiber.state() == FiberState.PARKED);
    }

    @Configuration(proxyBeanMethods = false)
    static class UserGroupConfiguration {

        @Bean
        EventLoopGroup myGroup() {
            return EventLoopGroup.create(1);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserExecutorConfiguration {

        final FiberExecutor executor = new FiberExecutor(EventLoopGroup.builder().loops(1).daemon(true).build(), "mine-");

        @Bean
        FiberExecutor myExecutor() {
            return executor;
        }
    }
}
