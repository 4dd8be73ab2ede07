package io.evergreen.spring.autoconfigure;

import io.evergreen.monitor.LoopWatchdog;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberNamingFilter;
import io.evergreen.spring.MaxInFlightFilter;

import jakarta.servlet.Filter;

import org.eclipse.jetty.server.Server;
import org.apache.catalina.startup.Tomcat;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.jetty.autoconfigure.JettyServerProperties;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Auto-configuration that runs every request of the embedded web server on a fiber: Tomcat's protocol handler
 * executor, or Jetty's virtual-threads executor, becomes the {@link FiberExecutor}. The customizers are ordered
 * after Spring Boot's virtual-thread ones, so Evergreen wins when {@code spring.threads.virtual.enabled=true} is
 * set as well. Names each request's fiber after the request ({@link FiberNamingFilter}), and adds the
 * {@link MaxInFlightFilter} when {@code evergreen.web.max-in-flight} is set.
 */
@AutoConfiguration(after = EvergreenAutoConfiguration.class,
        beforeName = { "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
                "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration" })
@ConditionalOnEvergreenEnabled
@ConditionalOnEvergreenFeature("evergreen.web.enabled")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(EvergreenProperties.class)
public final class EvergreenWebServerAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ Tomcat.class, ConfigurableTomcatWebServerFactory.class })
    static final class TomcatConfiguration {

        @Bean
        @ConditionalOnMissingBean
        EvergreenTomcatWebServerFactoryCustomizer evergreenTomcatWebServerFactoryCustomizer(FiberExecutor fiberExecutor,
                EvergreenProperties properties, ObjectProvider<LoopWatchdog> watchdog) {
            return new EvergreenTomcatWebServerFactoryCustomizer(fiberExecutor, properties.getWeb().getConnector(),
                    watchdog.getIfAvailable());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ Server.class, ConfigurableJettyWebServerFactory.class })
    static final class JettyConfiguration {

        @Bean
        @ConditionalOnMissingBean
        EvergreenJettyWebServerFactoryCustomizer evergreenJettyWebServerFactoryCustomizer(FiberExecutor fiberExecutor,
                ObjectProvider<JettyServerProperties> jettyProperties) {
            JettyServerProperties properties = jettyProperties.getIfAvailable();
            return new EvergreenJettyWebServerFactoryCustomizer(fiberExecutor,
                    properties != null ? properties.getThreads() : null);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Filter.class)
    static final class FiberNamingConfiguration {

        @Bean
        @ConditionalOnMissingFilterBean(FiberNamingFilter.class)
        FilterRegistrationBean<FiberNamingFilter> evergreenFiberNamingFilter() {
            FilterRegistrationBean<FiberNamingFilter> registration = new FilterRegistrationBean<>(new FiberNamingFilter());
            registration.setOrder(FiberNamingFilter.ORDER);
            return registration;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ Filter.class, OncePerRequestFilter.class })
    @Conditional(MaxInFlightSetCondition.class)
    static final class MaxInFlightConfiguration {

        @Bean
        @ConditionalOnMissingFilterBean(MaxInFlightFilter.class)
        FilterRegistrationBean<MaxInFlightFilter> evergreenMaxInFlightFilter(EvergreenProperties properties) {
            EvergreenProperties.Web web = properties.getWeb();
            FilterRegistrationBean<MaxInFlightFilter> registration = new FilterRegistrationBean<>(
                    new MaxInFlightFilter(web.getMaxInFlight(), web.getRetryAfter()));
            registration.setOrder(MaxInFlightFilter.ORDER);
            return registration;
        }

    }
}
