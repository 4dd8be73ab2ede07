package io.evergreen.demo.webflux;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The demo's settings ({@code demo.*}). Bound only so that a mistyped style fails start-up: the controllers of each
 * style are chosen by {@code @ConditionalOnProperty}, which would otherwise leave the application with none.
 *
 * @param style how the handlers are written
 */
@ConfigurationProperties("demo")
public record DemoProperties(@DefaultValue("blocking") Style style) {

    public enum Style {

        /** Plain return types: WebFlux runs them on its blocking executor, Evergreen's fibers. */
        BLOCKING,

        /** {@code Mono}s: the Netty thread runs them; JDBC goes to {@code Schedulers.boundedElastic()}. */
        REACTIVE
    }
}
