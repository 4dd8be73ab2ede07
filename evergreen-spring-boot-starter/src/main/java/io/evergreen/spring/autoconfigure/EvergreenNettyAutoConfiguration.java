package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.netty.NettyTransport;
import io.evergreen.spring.EventLoopGroupLifecycle;

import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * Auto-configuration of Evergreen's event loops for a WebFlux application on Reactor Netty: each loop drives a Netty
 * event loop in its poll phase ({@link NettyLoopGroup}), so that Netty's connections and the fibers they wake share
 * the loop threads. The {@link EventLoopGroup} bean is that group's loops: the {@code FiberExecutor}, the
 * {@link EventLoopGroupLifecycle}, the watchdog and the actuator all see them. {@link EvergreenWebFluxAutoConfiguration}
 * hands the group to Reactor Netty.
 * <p>
 * Ordered before {@link EvergreenAutoConfiguration}, whose plain group then backs off. Ordered after Spring Boot's
 * task execution and scheduling auto-configurations because a {@code NettyLoopGroup} is a
 * {@code ScheduledExecutorService}: Spring Boot defines its {@code applicationTaskExecutor} and its
 * {@code taskScheduler} only while there is no such bean, and {@code @Scheduled} tasks must not land on a loop.
 * Backs off when the application defines an {@code EventLoopGroup} of its own: Reactor Netty keeps its own loops then.
 */
@AutoConfiguration(before = EvergreenAutoConfiguration.class,
        after = { TaskExecutionAutoConfiguration.class, TaskSchedulingAutoConfiguration.class })
@ConditionalOnEvergreenEnabled
@ConditionalOnEvergreenFeature("evergreen.web.enabled")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ NettyLoopGroup.class, HttpServer.class, WebFluxConfigurer.class })
@EnableConfigurationProperties(EvergreenProperties.class)
public final class EvergreenNettyAutoConfiguration {

    /** No destroy method: the {@link EventLoopGroupLifecycle} stops the loops, once the web server has drained. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean({ NettyLoopGroup.class, EventLoopGroup.class })
    NettyLoopGroup evergreenNettyLoopGroup(EvergreenProperties properties) {
        EvergreenProperties.Netty.Transport configured = properties.getNetty().getTransport();
        NettyTransport transport = switch (configured) {
            case NIO -> NettyTransport.NIO;
            case EPOLL -> NettyTransport.EPOLL;
        };
        if (!transport.isAvailable()) {
            throw new NettyTransportUnavailableException(configured, transport.unavailabilityCause());
        }
        return NettyLoopGroup.create(EvergreenAutoConfiguration.loopGroupBuilder(properties), transport);
    }

    @Bean
    @ConditionalOnMissingBean
    EventLoopGroup evergreenEventLoopGroup(NettyLoopGroup netty) {
        return EvergreenAutoConfiguration.asDefaultGroup(netty.loops());
    }
}
