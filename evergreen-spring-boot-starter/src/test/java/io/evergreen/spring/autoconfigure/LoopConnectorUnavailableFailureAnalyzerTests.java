package io.evergreen.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A servlet application on Tomcat asking for {@code evergreen.web.connector=loop} with TLS enabled: start-up fails,
 * and the report says why and how to go back to Tomcat's own connector. Started as a user's application is, so that
 * the analyzer is found through {@code spring.factories}.
 */
@ExtendWith(OutputCaptureExtension.class)
class LoopConnectorUnavailableFailureAnalyzerTests {

    @Test
    void startUpWithTlsFailsNamingTheWayBack(CapturedOutput output) {
        SpringApplication application = new SpringApplication(UserApplication.class);
        application.setWebApplicationType(WebApplicationType.SERVLET);

        assertThatException().isThrownBy(() -> application.run("--spring.main.banner-mode=off", "--server.port=0",
                "--evergreen.loops=1", "--evergreen.web.connector=loop", "--server.ssl.enabled=true"));

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
            .contains("Description:\n\nevergreen.web.connector=loop cannot serve this server: server.ssl is enabled, "
                    + "and the loop connector serves plain HTTP only\n")
            .contains("Action:\n\nSet evergreen.web.connector to 'nio' (the default)");
    }

    /** A user's application on Tomcat (the test class path also holds Jetty, which Boot would pick). */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class UserApplication {

        @Bean
        TomcatServletWebServerFactory tomcatServletWebServerFactory() {
            return new TomcatServletWebServerFactory();
        }
    }
}
