package io.evergreen.demo.context;

import io.evergreen.spring.FiberScoped;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.context.annotation.RequestScope;

/**
 * The {@link RequestContext}: {@code @FiberScoped} on Evergreen, so that the fibers a request spawns see it too.
 * With {@code evergreen.enabled=false} (the HTTP benchmark compares the same application on Tomcat's platform and
 * virtual threads) there is no fiber scope, and it falls back to Spring's request scope, visible to the request's
 * own thread only: {@code /fanout}'s parts then cannot read it, which is the difference Evergreen makes.
 */
@Configuration(proxyBeanMethods = false)
class RequestContextConfiguration {

    @Bean
    @FiberScoped
    @ConditionalOnBooleanProperty(name = "evergreen.enabled", matchIfMissing = true)
    RequestContext requestContext() {
        return new RequestContext();
    }

    @Bean
    @RequestScope
    @ConditionalOnBooleanProperty(name = "evergreen.enabled", havingValue = false)
    RequestContext requestContextWithoutEvergreen() {
        return new RequestContext();
    }
}
