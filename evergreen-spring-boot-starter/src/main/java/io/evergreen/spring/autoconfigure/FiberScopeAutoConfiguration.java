package io.evergreen.spring.autoconfigure;

import io.evergreen.spring.FiberScope;
import io.evergreen.spring.FiberScopeFilter;
import io.evergreen.spring.FiberScoped;

import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;

import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the {@code "fiber"} scope ({@link FiberScoped @FiberScoped}): registers a
 * {@link FiberScope}, reachable later through {@code ConfigurableBeanFactory.getRegisteredScope("fiber")}
 * (its counters feed the actuator), and in servlet applications the {@link FiberScopeFilter} that gives each
 * request its own scope.
 */
@AutoConfiguration(after = EvergreenAutoConfiguration.class)
@ConditionalOnEvergreenEnabled
public final class FiberScopeAutoConfiguration {

    /** Name of the bean that registers the scope. */
    public static final String FIBER_SCOPE_CONFIGURER_BEAN_NAME = "evergreenFiberScopeConfigurer";

    @Bean(FIBER_SCOPE_CONFIGURER_BEAN_NAME)
    @ConditionalOnMissingBean(name = FIBER_SCOPE_CONFIGURER_BEAN_NAME)
    static CustomScopeConfigurer evergreenFiberScopeConfigurer() {
        CustomScopeConfigurer configurer = new CustomScopeConfigurer();
        configurer.addScope(FiberScope.NAME, new FiberScope());
        return configurer;
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(Filter.class)
    static final class ServletConfiguration {

        @Bean
        @ConditionalOnMissingFilterBean(FiberScopeFilter.class)
        FilterRegistrationBean<FiberScopeFilter> evergreenFiberScopeFilter() {
            FilterRegistrationBean<FiberScopeFilter> registration = new FilterRegistrationBean<>(new FiberScopeFilter());
            registration.setOrder(FiberScopeFilter.ORDER);
            registration.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
            return registration;
        }
    }
}
