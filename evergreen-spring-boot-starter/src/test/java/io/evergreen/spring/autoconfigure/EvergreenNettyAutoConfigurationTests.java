package io.evergreen.spring.autoconfigure;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.netty.NettyTransport;
import io.evergreen.spring.EventLoopGroupLifecycle;
import io.evergreen.spring.FiberExecutor;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.reactive.config.WebFluxConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

class EvergreenNettyAutoConfigurationTests {

    private static final AutoConfigurations EVERGREEN = AutoConfigurations.of(EvergreenNettyAutoConfiguration.class,
            EvergreenAutoConfiguration.class);

    private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
        .withConfiguration(EVERGREEN)
        .withPropertyValues("evergreen.loops=2");

    @Test
    void theLoopsOfAReactiveApplicationDriveNettyAndAreTheApplicationsEventLoopGroup() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(NettyLoopGroup.class).hasSingleBean(EventLoopGroup.class);
            NettyLoopGroup netty = context.getBean(NettyLoopGroup.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            assertThat(group).isSameAs(netty.loops());
            assertThat(group.size()).isEqualTo(2);
            assertThat(netty.transport()).isEqualTo(NettyTransport.NIO);
            assertThat(group.loops()).allSatisfy(loop -> assertThat(NettyLoopGroup.ioEventLoopOf(loop)).isNotNull());
            assertThat(context.getBean(FiberExecutor.class).getGroup()).isSameAs(group);
            assertThat(context.getBean(EventLoopGroupLifecycle.class).getGroup()).isSameAs(group);
            assertThat(Fiber.defaultGroup()).isSameAs(group);
            EventLoop watched = Fiber.spawn(() -> Fiber.current().loop()).join(Duration.ofSeconds(10));
            assertThat(watched.group()).isSameAs(group);
            assertThat(context).hasSingleBean(LoopWatchdog.class);
        });
    }

    @Test
    void theSchedulerModeAndLoopCountApply() {
        contextRunner.withPropertyValues("evergreen.loops=3", "evergreen.scheduler=jdk").run(context -> {
            EventLoopGroup group = context.getBean(NettyLoopGroup.class).loops();
            assertThat(group.size()).isEqualTo(3);
            assertThat(group.mode()).isEqualTo(io.evergreen.loop.SchedulerMode.JDK);
        });
    }

    @Test
    void closingTheContextStopsTheLoopsAndNettyWithThem() {
        AtomicReference<NettyLoopGroup> netty = new AtomicReference<>();
        contextRunner.run(context -> netty.set(context.getBean(NettyLoopGroup.class)));
        assertThat(netty.get().loops().isTerminated()).isTrue();
        assertThat(netty.get().isTerminated()).isTrue();
    }

    /** The starter's tests run without Netty's native transport, as an application that lacks it does. */
    @Test
    void epollWhereItCannotRunFailsStartUpSayingWhy() {
        contextRunner.withPropertyValues("evergreen.netty.transport=epoll").run(context -> {
            assertThat(context).hasFailed();
            assertThat(causeOfType(context.getStartupFailure(), NettyTransportUnavailableException.class))
                .hasMessageStartingWith("evergreen.netty.transport=epoll cannot run here: java.lang.NoClassDefFoundError");
        });
    }

    @Test
    void aServletApplicationKeepsThePlainLoops() {
        new WebApplicationContextRunner().withConfiguration(EVERGREEN).withPropertyValues("evergreen.loops=1")
            .run(context -> assertPlainLoops(context.getBean(EventLoopGroup.class), context.getBeanNamesForType(NettyLoopGroup.class)));
    }

    @Test
    void anApplicationWithoutAWebServerKeepsThePlainLoops() {
        new ApplicationContextRunner().withConfiguration(EVERGREEN).withPropertyValues("evergreen.loops=1")
            .run(context -> assertPlainLoops(context.getBean(EventLoopGroup.class), context.getBeanNamesForType(NettyLoopGroup.class)));
    }

    @Test
    void eachMissingLibraryLeavesThePlainLoops() {
        for (Class<?> missing : new Class<?>[] { NettyLoopGroup.class, HttpServer.class, WebFluxConfigurer.class }) {
            contextRunner.withClassLoader(new FilteredClassLoader(missing))
                .run(context -> assertPlainLoops(context.getBean(EventLoopGroup.class),
                        context.getBeanNamesForType(NettyLoopGroup.class)));
        }
    }

    @Test
    void evergreenWebDisabledLeavesThePlainLoops() {
        contextRunner.withPropertyValues("evergreen.web.enabled=false")
            .run(context -> assertPlainLoops(context.getBean(EventLoopGroup.class), context.getBeanNamesForType(NettyLoopGroup.class)));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(NettyLoopGroup.class)
                .doesNotHaveBean(EventLoopGroup.class)
                .doesNotHaveBean(FiberExecutor.class));
    }

    @Test
    void usesTheApplicationsOwnNettyLoopGroup() {
        contextRunner.withUserConfiguration(UserNettyLoopGroupConfiguration.class).run(context -> {
            NettyLoopGroup netty = context.getBean(NettyLoopGroup.class);
            assertThat(netty).isSameAs(context.getBean(UserNettyLoopGroupConfiguration.class).netty);
            assertThat(context.getBean(EventLoopGroup.class)).isSameAs(netty.loops());
            assertThat(context.getBean(FiberExecutor.class).getGroup()).isSameAs(netty.loops());
        });
    }

    /** An application's own group cannot drive Netty's channels: Reactor Netty keeps its own loops then. */
    @Test
    void anApplicationsOwnEventLoopGroupWinsAndNoNettyLoopsAreMade() {
        contextRunner.withUserConfiguration(UserEventLoopGroupConfiguration.class).run(context -> {
            assertThat(context).doesNotHaveBean(NettyLoopGroup.class).hasSingleBean(EventLoopGroup.class);
            assertThat(context.getBean(EventLoopGroup.class)).isSameAs(context.getBean(UserEventLoopGroupConfiguration.class).group);
        });
    }

    /**
     * A NettyLoopGroup is a ScheduledExecutorService: were it defined first, Spring Boot would make neither its task
     * executor nor its task scheduler, and {@code @Scheduled} tasks would run on a loop.
     */
    @Test
    void springBootsTaskExecutorAndSchedulerAreStillMade() {
        contextRunner
            .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
                    TaskSchedulingAutoConfiguration.class))
            .withUserConfiguration(SchedulingConfiguration.class)
            .withPropertyValues("evergreen.async.enabled=false")
            .run(context -> {
                assertThat(context).hasSingleBean(NettyLoopGroup.class);
                assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
                    .isInstanceOf(ThreadPoolTaskExecutor.class);
                assertThat(context.getBean(TaskScheduler.class)).isInstanceOf(ThreadPoolTaskScheduler.class);
            });
    }

    static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure);
    }

    private static void assertPlainLoops(EventLoopGroup group, String[] nettyGroups) {
        assertThat(nettyGroups).isEmpty();
        assertThat(group.loops()).allSatisfy(loop -> assertThat(NettyLoopGroup.ioEventLoopOf(loop)).isNull());
    }

    @Configuration(proxyBeanMethods = false)
    static class UserNettyLoopGroupConfiguration {

        final NettyLoopGroup netty = NettyLoopGroup.create(EventLoopGroup.builder().loops(1).daemon(true));

        @Bean
        NettyLoopGroup myNettyLoops() {
            return netty;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserEventLoopGroupConfiguration {

        final EventLoopGroup group = EventLoopGroup.builder().loops(1).daemon(true).build();

        @Bean
        EventLoopGroup myLoops() {
            return group;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class SchedulingConfiguration {

    }
}
