package io.evergreen.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A reactive application asking for {@code evergreen.netty.transport=epoll} where Netty's native epoll is missing
 * (the starter's tests run without it): start-up fails, and the report names the dependency to add and the way back
 * to NIO. Started as a user's application is, so that the analyzer is found through {@code spring.factories}.
 */
@ExtendWith(OutputCaptureExtension.class)
class NettyTransportUnavailableFailureAnalyzerTests {

    @Test
    void startUpFailsNamingTheMissingDependency(CapturedOutput output) {
        SpringApplication application = new SpringApplication(UserApplication.class);
        application.setWebApplicationType(WebApplicationType.REACTIVE);

        assertThatException().isThrownBy(() -> application.run("--spring.main.banner-mode=off", "--server.port=0",
                "--evergreen.loops=1", "--evergreen.netty.transport=epoll"));

        String os = System.getProperty("os.name") + " " + System.getProperty("os.arch");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
            .contains("Description:\n\nevergreen.netty.transport is 'epoll', but Netty's epoll transport cannot run in "
                    + "this JVM (" + os + "): java.lang.NoClassDefFoundError: io/netty/channel/epoll/Epoll\n")
            .contains("Action:\n\nAdd io.netty:netty-transport-native-epoll, with the classifier of this machine "
                    + "(linux-x86_64 or linux-aarch_64), to the application's dependencies (epoll runs on Linux only), "
                    + "or set evergreen.netty.transport to 'nio' (the default).\n");
    }

    /** A user's application: everything on the test class path auto-configured. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class UserApplication {

    }
}
