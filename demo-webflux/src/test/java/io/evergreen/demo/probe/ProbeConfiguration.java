package io.evergreen.demo.probe;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * What the tests add to the demo: {@link ProbeEndpoints} and what they report to or wait on. Outside the demo's
 * packages, so that its component scan never finds them: a test imports this.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import(ProbeEndpoints.class)
public class ProbeConfiguration {

    @Bean
    ReadingLoopWebFilter readingLoopWebFilter() {
        return new ReadingLoopWebFilter();
    }

    @Bean
    LoopWitness loopWitness() {
        return new LoopWitness();
    }

    @Bean
    Gate gate() {
        return new Gate();
    }

    @Bean
    Rendezvous rendezvous() {
        return new Rendezvous();
    }

    @Bean
    LoopHog loopHog() {
        return new LoopHog();
    }
}
