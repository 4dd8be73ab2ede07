package io.evergreen.demo.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * demo-app's endpoints on Spring WebFlux and Reactor Netty. With Evergreen on, Reactor Netty's connections are
 * served by Evergreen's loops, and blocking handlers run on a fiber of the loop that read the request. The handlers
 * come in two styles, {@code demo.style=blocking} (the default) or {@code reactive}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DemoWebFluxApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoWebFluxApplication.class, args);
    }
}
