package io.evergreen.spring.autoconfigure;

import io.evergreen.netty.NettyLoopGroup;
import io.evergreen.spring.BlockingHandlerExecutor;
import io.evergreen.spring.EvergreenLoopResources;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberHandlerAdapter;
import io.evergreen.spring.MaxInFlightWebFilter;

import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

/**
 * Auto-configuration of a WebFlux application on Evergreen: blocking controller methods run on fibers
 * ({@link EvergreenWebFluxConfigurer}), and, when the loops drive Netty ({@link EvergreenNettyAutoConfiguration}),
 * Reactor Netty's {@link ReactorResourceFactory} gets them as its loop resources, so that the web server and the
 * WebClients that Spring Boot builds run their connections on the Evergreen loops; blocking controller methods are
 * then handled from a fiber, their arguments included ({@link FiberHandlerAdapter}), not on the loop thread. Adds
 * the {@link MaxInFlightWebFilter} when {@code evergreen.web.max-in-flight} is set.
 * <p>
 * Ordered before Spring Boot's Reactor Netty web server and reactive HTTP client auto-configurations, whose
 * {@code ReactorResourceFactory} backs off when one is defined.
 */
@AutoConfiguration(after = { EvergreenAutoConfiguration.class, EvergreenNettyAutoConfiguration.class },
        beforeName = { "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration",
                "org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration" })
@ConditionalOnEvergreenEnabled
@ConditionalOnEvergreenFeature("evergreen.web.enabled")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFluxConfigurer.class)
@EnableConfigurationProperties(EvergreenProperties.class)
public final class EvergreenWebFluxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(FiberExecutor.class)
    EvergreenWebFluxConfigurer evergreenWebFluxConfigurer(FiberExecutor fiberExecutor) {
        return new EvergreenWebFluxConfigurer(fiberExecutor);
    }

    /** {@code evergreen.web.max-in-flight} for WebFlux, as the servlet filter does it for Tomcat and Jetty. */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(MaxInFlightSetCondition.class)
    MaxInFlightWebFilter evergreenMaxInFlightWebFilter(EvergreenProperties properties) {
        EvergreenProperties.Web web = properties.getWeb();
        return new MaxInFlightWebFilter(web.getMaxInFlight(), web.getRetryAfter());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ NettyLoopGroup.class, LoopResources.class, ReactorResourceFactory.class })
    @ConditionalOnBean(NettyLoopGroup.class)
    static final class ReactorNettyConfiguration {

        /** Blocking controller methods are handled from a fiber, arguments included (see the adapter for why). */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(FiberExecutor.class)
        @ConditionalOnClass(RequestMappingHandlerAdapter.class)
        FiberHandlerAdapter fiberHandlerAdapter(ObjectProvider<RequestMappingHandlerAdapter> webFluxAdapter,
                FiberExecutor fiberExecutor) {
            return new FiberHandlerAdapter(webFluxAdapter::getObject, new BlockingHandlerExecutor(fiberExecutor));
        }

        /**
         * Resources of Evergreen's loops, not of Reactor Netty's global ones; the connection pool is the factory's
         * own, disposed with it. The factory never disposes loop resources it was given: the loops are stopped by the
         * {@code EventLoopGroupLifecycle}. The factory stops last (phase 0), after the loops: fibers that requests
         * left running keep their client connections while the loops drain them; the loops' end closes the
         * connections, and the factory then disposes a pool of closed ones.
         */
        @Bean
        @ConditionalOnMissingBean
        ReactorResourceFactory reactorResourceFactory(NettyLoopGroup netty) {
            ReactorResourceFactory factory = new ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            factory.setLoopResources(new EvergreenLoopResources(netty));
            return factory;
        }
    }
}
