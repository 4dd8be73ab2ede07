package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.spring.EvergreenLoopResources;
import io.evergreen.spring.FiberHandlerAdapter;
import io.evergreen.spring.BlockingHandlerExecutor;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.MaxInFlightWebFilter;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

class EvergreenWebFluxAutoConfigurationTests {

    /** With Spring Boot's own Reactor Netty auto-configurations, whose resource factory must back off. */
    private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenNettyAutoConfiguration.class, EvergreenAutoConfiguration.class,
                EvergreenWebFluxAutoConfiguration.class, NettyReactiveWebServerAutoConfiguration.class,
                ReactiveHttpClientAutoConfiguration.class))
        .withPropertyValues("evergreen.loops=2");

    @Test
    void reactorNettysServerAndClientsRunOnTheEvergreenLoops() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(ReactorResourceFactory.class);
            NettyLoopGroup netty = context.getBean(NettyLoopGroup.class);
            ReactorResourceFactory factory = context.getBean(ReactorResourceFactory.class);
            assertThat(factory.isUseGlobalResources()).isFalse();
            LoopResources loops = factory.getLoopResources();
            assertThat(loops).isInstanceOf(EvergreenLoopResources.class);
            assertThat(loops.onServer(true)).isSameAs(netty);
            assertThat(loops.onServerSelect(true)).isSameAs(netty);
            assertThat(loops.onClient(true)).isSameAs(netty.colocated());
            assertThat(loops.daemon()).isFalse();
            // The loop threads read and write; blocking controller methods are handled from fibers.
            assertThat(context).hasSingleBean(FiberHandlerAdapter.class);
        });
    }

    /** Reactor Netty prefers a native transport where it has one: the channels must be those of the loops' own. */
    @Test
    void theChannelClassesAreThoseOfTheLoopsTransport() {
        contextRunner.run(context -> {
            LoopResources loops = context.getBean(ReactorResourceFactory.class).getLoopResources();
            assertThat(loops.onChannelClass(ServerSocketChannel.class, loops.onServer(true)))
                .isEqualTo(NioServerSocketChannel.class);
            assertThat(loops.onChannelClass(SocketChannel.class, loops.onClient(true))).isEqualTo(NioSocketChannel.class);
            assertThat(loops.onChannelClass(DatagramChannel.class, loops.onClient(true)))
                .isEqualTo(NioDatagramChannel.class);
        });
    }

    @Test
    void disposingReactorNettysResourcesLeavesTheLoopsToTheirLifecycle() {
        AtomicReference<NettyLoopGroup> netty = new AtomicReference<>();
        contextRunner.run(context -> {
            netty.set(context.getBean(NettyLoopGroup.class));
            ReactorResourceFactory factory = context.getBean(ReactorResourceFactory.class);
            LoopResources loops = factory.getLoopResources();
            loops.disposeLater().block();
            loops.dispose();
            factory.stop();
            assertThat(netty.get().isShuttingDown()).isFalse();
            assertThat(loops.isDisposed()).isFalse();
            assertThat(context.getBean(EventLoopGroup.class).loops())
                .allSatisfy(loop -> assertThat(loop.isStopping()).isFalse());
        });
        assertThat(netty.get().isTerminated()).isTrue();
    }

    @Test
    void blockingControllerMethodsRunOnTheFiberExecutor() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(EvergreenWebFluxConfigurer.class);
            ExecutorOf configurer = new ExecutorOf();
            context.getBean(EvergreenWebFluxConfigurer.class).configureBlockingExecution(configurer);
            assertThat(configurer.executor()).isInstanceOfSatisfying(BlockingHandlerExecutor.class,
                executor -> assertThat(executor.getFiberExecutor()).isSameAs(context.getBean(FiberExecutor.class)));
        });
    }

    /** Spring Boot's configurer (order 0) sets applicationTaskExecutor with virtual threads on: ours must run later. */
    @Test
    void theConfigurerRunsAfterSpringBoots() {
        assertThat(EvergreenWebFluxConfigurer.ORDER).isGreaterThan(0);
    }

    @Test
    void usesTheApplicationsOwnResourceFactory() {
        contextRunner.withUserConfiguration(UserResourceFactoryConfiguration.class).run(context -> {
            assertThat(context).hasSingleBean(ReactorResourceFactory.class);
            assertThat(context.getBean(ReactorResourceFactory.class))
                .isSameAs(context.getBean(UserResourceFactoryConfiguration.class).factory);
        });
    }

    @Test
    void usesTheApplicationsOwnConfigurer() {
        contextRunner.withBean("myConfigurer", EvergreenWebFluxConfigurer.class,
                () -> new EvergreenWebFluxConfigurer(new FiberExecutor(EventLoopGroup.builder().loops(1).daemon(true).build())))
            .run(context -> assertThat(context).hasSingleBean(EvergreenWebFluxConfigurer.class)
                .hasBean("myConfigurer"));
    }

    /** Loops that do not drive Netty cannot serve its channels; blocking methods still get fibers. */
    @Test
    void withTheApplicationsOwnLoopsReactorNettyKeepsItsOwn() {
        contextRunner.withBean(EventLoopGroup.class, () -> EventLoopGroup.builder().loops(1).daemon(true).build())
            .run(context -> {
                assertThat(context).hasSingleBean(ReactorResourceFactory.class).hasSingleBean(EvergreenWebFluxConfigurer.class);
                ReactorResourceFactory factory = context.getBean(ReactorResourceFactory.class);
                assertThat(factory.isUseGlobalResources()).isTrue();
            });
    }

    @Test
    void withoutEvergreenNettyReactorNettyKeepsItsOwnLoops() {
        contextRunner.withClassLoader(new FilteredClassLoader(NettyLoopGroup.class)).run(context -> {
            assertThat(context).doesNotHaveBean(NettyLoopGroup.class).hasSingleBean(EvergreenWebFluxConfigurer.class)
                .doesNotHaveBean(FiberHandlerAdapter.class);
            assertThat(context.getBean(ReactorResourceFactory.class).isUseGlobalResources()).isTrue();
        });
    }

    @Test
    void boundsTheExchangesInFlightWhenMaxInFlightIsSet() {
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=7").run(context -> {
            assertThat(context).hasSingleBean(MaxInFlightWebFilter.class);
            assertThat(context.getBean(MaxInFlightWebFilter.class).getMaxInFlight()).isEqualTo(7);
        });
    }

    /** Unset, or set to nothing ({@code evergreen.web.max-in-flight=}): no limit, as on Tomcat and Jetty. */
    @Test
    void addsNoLimitWhenMaxInFlightIsUnsetOrEmpty() {
        contextRunner.run(context -> assertThat(context).doesNotHaveBean(MaxInFlightWebFilter.class));
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=")
            .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MaxInFlightWebFilter.class));
    }

    @Test
    void usesTheApplicationsOwnMaxInFlightWebFilter() {
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=7")
            .withBean("myLimit", MaxInFlightWebFilter.class, () -> new MaxInFlightWebFilter(3, Duration.ofSeconds(1)))
            .run(context -> assertThat(context).hasSingleBean(MaxInFlightWebFilter.class).hasBean("myLimit"));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false", "evergreen.web.max-in-flight=7").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(EvergreenWebFluxConfigurer.class)
                .doesNotHaveBean(MaxInFlightWebFilter.class);
            assertThat(context.getBean(ReactorResourceFactory.class).isUseGlobalResources()).isTrue();
        });
    }

    @Test
    void backsOffWhenEvergreenWebIsDisabled() {
        contextRunner.withPropertyValues("evergreen.web.enabled=false").run(context -> {
            assertThat(context).hasNotFailed()
                .doesNotHaveBean(EvergreenWebFluxConfigurer.class)
                .doesNotHaveBean(NettyLoopGroup.class)
                .hasSingleBean(EventLoopGroup.class);
            assertThat(context.getBean(ReactorResourceFactory.class).isUseGlobalResources()).isTrue();
        });
    }

    @Test
    void doesNothingForAServletApplication() {
        new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EvergreenNettyAutoConfiguration.class,
                    EvergreenAutoConfiguration.class, EvergreenWebFluxAutoConfiguration.class))
            .withPropertyValues("evergreen.loops=1")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenWebFluxConfigurer.class)
                .doesNotHaveBean(ReactorResourceFactory.class)
                .doesNotHaveBean(NettyLoopGroup.class));
    }

    /** Reads the executor a configurer set. */
    private static final class ExecutorOf extends BlockingExecutionConfigurer {

        AsyncTaskExecutor executor() {
            return getExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserResourceFactoryConfiguration {

        final ReactorResourceFactory factory = new ReactorResourceFactory();

        @Bean
        ReactorResourceFactory myResourceFactory() {
            return factory;
        }
    }
}
