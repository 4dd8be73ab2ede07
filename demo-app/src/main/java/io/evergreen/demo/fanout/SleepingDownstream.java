package io.evergreen.demo.fanout;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The demo's downstream: blocking sleeps, which park the calling fiber like a socket read would. */
@Configuration(proxyBeanMethods = false)
class SleepingDownstream {

    @Bean
    @ConditionalOnMissingBean
    Downstream downstream() {
        return (index, latency) -> {
            Thread.sleep(latency);
            return "part-" + index;
        };
    }
}
