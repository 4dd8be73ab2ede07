package io.evergreen.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Evergreen's demo: a plain Spring Boot application with the Evergreen starter and actuator on its class path.
 * Every request runs on a fiber; open http://localhost:8080/ for the live dashboard.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }
}
