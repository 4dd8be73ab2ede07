package io.evergreen.demo;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** What every Spring test of the demo adds to the application: a downstream the tests control. */
@TestConfiguration(proxyBeanMethods = false)
class DemoTestConfiguration {

    @Bean
    @Primary
    GatedDownstream gatedDownstream() {
        return new GatedDownstream();
    }
}
