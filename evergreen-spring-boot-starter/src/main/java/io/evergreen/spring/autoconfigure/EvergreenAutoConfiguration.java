package io.evergreen.spring.autoconfigure;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.spring.EventLoopGroupLifecycle;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberSpawnDecorator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of Evergreen's event loops: the {@link EventLoopGroup}, the
 * {@link FiberExecutor} on it, and the {@link EventLoopGroupLifecycle} that stops the loops after the web server.
 * <p>
 * Ordered after {@link TaskExecutionAutoConfiguration}: the {@code FiberExecutor} is an {@code Executor}, and
 * Spring Boot defines its own {@code applicationTaskExecutor} only while there is none. When
 * {@code evergreen.async.enabled=false}, Boot's executor should still be there.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@ConditionalOnEvergreenEnabled
@EnableConfigurationProperties(EvergreenProperties.class)
public final class EvergreenAutoConfiguration {

    private static final boolean CONTEXT_PROPAGATION_PRESENT = ClassUtils
        .isPresent("io.micrometer.context.ContextSnapshotFactory", EvergreenAutoConfiguration.class.getClassLoader());

    @Bean
    @ConditionalOnMissingBean
    EventLoopGroup evergreenEventLoopGroup(EvergreenProperties properties) {
        return asDefaultGroup(loopGroupBuilder(properties).build());
    }

    /** The loops as the properties describe them; also built by {@link EvergreenNettyAutoConfiguration}. */
    static EventLoopGroup.Builder loopGroupBuilder(EvergreenProperties properties) {
        return EventLoopGroup.builder().loops(properties.determineLoops()).mode(properties.getScheduler());
    }

    /** Makes the application's group the one {@code Fiber.spawn} uses outside fibers. */
    static EventLoopGroup asDefaultGroup(EventLoopGroup group) {
        // Set now, not when the life cycle starts: code run during refresh may spawn fibers already.
        Fiber.setDefaultGroup(group);
        return group;
    }

    @Bean
    @ConditionalOnMissingBean
    FiberExecutor fiberExecutor(EventLoopGroup group) {
        return new FiberExecutor(group);
    }

    @Bean
    @ConditionalOnMissingBean
    FiberSpawnDecorator fiberSpawnDecorator() {
        return new FiberSpawnDecorator(CONTEXT_PROPAGATION_PRESENT ? ContextPropagation.threadContextWrapper() : null);
    }

    @Bean
    @ConditionalOnMissingBean
    EventLoopGroupLifecycle evergreenEventLoopGroupLifecycle(EventLoopGroup group, EvergreenProperties properties,
            ObjectProvider<FiberSpawnDecorator> spawnDecorator) {
        return new EventLoopGroupLifecycle(group, properties.getShutdownTimeout(), spawnDecorator.getIfAvailable());
    }

    /** Logs loops held past {@code evergreen.blocked-threshold}, with the culprit's stack; the actuator reads it. */
    @Bean
    @ConditionalOnMissingBean
    LoopWatchdog evergreenLoopWatchdog(EventLoopGroup group, EvergreenProperties properties) {
        return LoopWatchdog.start(group, properties.getBlockedThreshold());
    }

    /** Measures each loop's lag and busy ratio, for the actuator's meters, endpoint and health. */
    @Bean
    @ConditionalOnMissingBean
    LoopLatencyProbe evergreenLoopLatencyProbe(EventLoopGroup group, EvergreenProperties properties) {
        return LoopLatencyProbe.start(group, properties.getLatencyProbeInterval());
    }

    @Bean
    @ConditionalOnThreading(Threading.VIRTUAL)
    static VirtualThreadsNotice evergreenVirtualThreadsNotice(Environment environment) {
        return new VirtualThreadsNotice(environment);
    }
}
