package io.evergreen.spring.web;

import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Both Tomcat and Jetty are on the test classpath, and Spring Boot picks one of them by auto-configuration
 * order (Jetty, here). Each web test names its server with one of these: a {@link ServletWebServerFactory}
 * bean makes both of Boot's server auto-configurations back off from creating theirs, while their customizers
 * (and Evergreen's) still apply.
 */
final class EmbeddedServers {

    private EmbeddedServers() {
    }

    @Configuration(proxyBeanMethods = false)
    static class Tomcat {

        @Bean
        TomcatServletWebServerFactory tomcatServletWebServerFactory() {
            return new TomcatServletWebServerFactory();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Jetty {

        @Bean
        JettyServletWebServerFactory jettyServletWebServerFactory() {
            return new JettyServletWebServerFactory();
        }
    }
}
