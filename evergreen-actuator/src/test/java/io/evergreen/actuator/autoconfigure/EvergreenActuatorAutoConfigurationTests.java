package io.evergreen.actuator.autoconfigure;

import io.evergreen.actuator.EvergreenEndpoint;
import io.evergreen.actuator.EvergreenHealthIndicator;
import io.evergreen.actuator.EvergreenInfoContributor;
import io.evergreen.actuator.EvergreenMeterBinder;
import io.evergreen.actuator.FibersEndpoint;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.autoconfigure.EvergreenAutoConfiguration;
import io.evergreen.spring.autoconfigure.FiberScopeAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class EvergreenActuatorAutoConfigurationTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
        .withPropertyValues("evergreen.loops=1", "management.endpoints.web.exposure.include=*")
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class, FiberScopeAutoConfiguration.class,
                EvergreenActuatorAutoConfiguration.class));

    @Test
    void providesEndpointsHealthInfoAndMeters() {
        contextRunner.run(context -> assertThat(context).hasSingleBean(EvergreenEndpoint.class)
            .hasSingleBean(FibersEndpoint.class)
            .hasBean("evergreenHealthIndicator")
            .hasSingleBean(EvergreenInfoContributor.class)
            .hasSingleBean(EvergreenMeterBinder.class));
    }

    @Test
    void endpointsAreNotCreatedWhenNotExposed() {
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=health")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenEndpoint.class)
                .doesNotHaveBean(FibersEndpoint.class)
                .hasBean("evergreenHealthIndicator")
                .hasSingleBean(EvergreenMeterBinder.class));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenEndpoint.class)
                .doesNotHaveBean(FibersEndpoint.class)
                .doesNotHaveBean(EvergreenHealthIndicator.class)
                .doesNotHaveBean(EvergreenMeterBinder.class));
    }

    @Test
    void healthIndicatorCanBeSwitchedOff() {
        contextRunner.withPropertyValues("management.health.evergreen.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenHealthIndicator.class)
                .hasSingleBean(EvergreenEndpoint.class));
    }

    @Test
    void usersOwnMeterBinderWins() {
        contextRunner.withUserConfiguration(OwnBinder.class)
            .run(context -> assertThat(context.getBean(EvergreenMeterBinder.class)).isSameAs(OwnBinder.binder));
    }

    @Test
    void jdkModeIsDescribedToo() {
        contextRunner.withPropertyValues("evergreen.scheduler=jdk")
            .run(context -> assertThat(context.getBean(EvergreenEndpoint.class).evergreen().scheduler()).isEqualTo("jdk"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBinder {

        static EvergreenMeterBinder binder;

        @Bean
        EvergreenMeterBinder ownBinder(EventLoopGroup group, io.evergreen.monitor.LoopWatchdog watchdog,
                io.evergreen.monitor.LoopLatencyProbe probe, io.evergreen.actuator.ScopedBeanCounts counts) {
            binder = new EvergreenMeterBinder(group, watchdog, probe, counts);
            return binder;
        }
    }
}
