package io.evergreen.actuator.autoconfigure;

import io.evergreen.actuator.EvergreenEndpoint;
import io.evergreen.actuator.EvergreenHealthIndicator;
import io.evergreen.actuator.EvergreenInfoContributor;
import io.evergreen.actuator.EvergreenMeterBinder;
import io.evergreen.actuator.FibersEndpoint;
import io.evergreen.actuator.LoopAffineDataSourceMeterBinder;
import io.evergreen.actuator.ScopedBeanCounts;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopLatencyProbe;
import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.spring.autoconfigure.EvergreenAutoConfiguration;
import io.evergreen.spring.autoconfigure.FiberScopeAutoConfiguration;
import io.micrometer.core.instrument.binder.MeterBinder;

import javax.sql.DataSource;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of Evergreen's actuator support: the {@code evergreen} and {@code fibers} endpoints (served
 * over HTTP only when {@code management.endpoints.web.exposure.include} names them), the {@code evergreen}
 * health and info contributors, and the Micrometer meters.
 */
@AutoConfiguration(after = { EvergreenAutoConfiguration.class, FiberScopeAutoConfiguration.class })
@ConditionalOnBean({ EventLoopGroup.class, LoopWatchdog.class, LoopLatencyProbe.class })
public final class EvergreenActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ScopedBeanCounts evergreenScopedBeanCounts(ConfigurableListableBeanFactory beanFactory) {
        return new ScopedBeanCounts(beanFactory);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    EvergreenEndpoint evergreenEndpoint(EventLoopGroup group, LoopWatchdog watchdog, LoopLatencyProbe probe,
            ScopedBeanCounts scopedBeans) {
        return new EvergreenEndpoint(group, watchdog, probe, scopedBeans);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    FibersEndpoint fibersEndpoint(EventLoopGroup group) {
        return new FibersEndpoint(group);
    }

    @Bean
    @ConditionalOnMissingBean(name = "evergreenHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("evergreen")
    EvergreenHealthIndicator evergreenHealthIndicator(EventLoopGroup group, LoopWatchdog watchdog) {
        return new EvergreenHealthIndicator(group, watchdog);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnEnabledInfoContributor("evergreen")
    EvergreenInfoContributor evergreenInfoContributor(EventLoopGroup group, LoopWatchdog watchdog) {
        return new EvergreenInfoContributor(group, watchdog);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        EvergreenMeterBinder evergreenMeterBinder(EventLoopGroup group, LoopWatchdog watchdog, LoopLatencyProbe probe,
                ScopedBeanCounts scopedBeans) {
            return new EvergreenMeterBinder(group, watchdog, probe, scopedBeans);
        }

        /** The data sources are looked up when the registry binds, once the pools are behind their permits. */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnClass(name = "org.springframework.jdbc.datasource.ConnectionProxy")
        LoopAffineDataSourceMeterBinder evergreenLoopAffineDataSourceMeterBinder(ListableBeanFactory beanFactory) {
            return new LoopAffineDataSourceMeterBinder(() -> beanFactory.getBeansOfType(DataSource.class, false, true));
        }
    }
}
