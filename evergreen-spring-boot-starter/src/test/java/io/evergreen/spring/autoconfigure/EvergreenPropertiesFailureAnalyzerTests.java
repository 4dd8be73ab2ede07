package io.evergreen.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

@ExtendWith(OutputCaptureExtension.class)
class EvergreenPropertiesFailureAnalyzerTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class));

    @Test
    void loopsBelowOne() {
        FailureAnalysis analysis = analyze("evergreen.loops=0");
        assertThat(analysis.getDescription()).isEqualTo("""
                Invalid Evergreen configuration:

                    evergreen.loops = 0: must be at least 1 (from "evergreen.loops" from property source "test")""");
        assertThat(analysis.getAction()).isEqualTo("Set evergreen.loops to 1 or more, or remove it to get one event "
                + "loop per available processor (" + Runtime.getRuntime().availableProcessors() + " here).");
    }

    @Test
    void unknownScheduler() {
        FailureAnalysis analysis = analyze("evergreen.scheduler=fast");
        assertThat(analysis.getDescription()).isEqualTo("evergreen.scheduler is 'fast', which is not one of "
                + "Evergreen's scheduler modes (from \"evergreen.scheduler\" from property source \"test\").");
        assertThat(analysis.getAction()).isEqualTo("""
                Set evergreen.scheduler to one of:

                    loop  each fiber is scheduled by its event loop (the default; needs the JVM option \
                --add-opens java.base/java.lang=ALL-UNNAMED)
                    jdk  fibers are virtual threads on the JDK's default scheduler (needs no JVM option, gives up \
                loop affinity)""");
    }

    @Test
    void everyInvalidValueIsReportedAtOnce() {
        FailureAnalysis analysis = analyze("evergreen.shutdown-timeout=-1s", "evergreen.web.max-in-flight=0",
                "evergreen.web.retry-after=-5s");
        assertThat(analysis.getDescription()).startsWith("Invalid Evergreen configuration:")
            .contains("evergreen.shutdown-timeout = -1s: must not be negative")
            .contains("evergreen.web.max-in-flight = 0: must be at least 1")
            .contains("evergreen.web.retry-after = -5s: must not be negative");
        assertThat(analysis.getAction()).contains("Set evergreen.shutdown-timeout to a duration of 0s or more")
            .contains("Set evergreen.web.max-in-flight to 1 or more, or remove it for no limit.")
            .contains("Set evergreen.web.retry-after to a duration of 0s or more");
    }

    @Test
    void monitoringDurationsMustBePositive() {
        FailureAnalysis analysis = analyze("evergreen.blocked-threshold=0ms", "evergreen.latency-probe-interval=-1s");
        assertThat(analysis.getDescription()).startsWith("Invalid Evergreen configuration:")
            .contains("evergreen.blocked-threshold = 0ms: must be positive")
            .contains("evergreen.latency-probe-interval = -1s: must be positive");
        assertThat(analysis.getAction()).contains("Set evergreen.blocked-threshold to a positive duration")
            .contains("Set evergreen.latency-probe-interval to a positive duration");
    }

    @Test
    void valueThatIsNotANumber() {
        FailureAnalysis analysis = analyze("evergreen.loops=many");
        assertThat(analysis.getDescription()).isEqualTo("""
                Invalid Evergreen configuration:

                    evergreen.loops = many: not a whole number (from "evergreen.loops" from property source "test")""");
        assertThat(analysis.getAction()).startsWith("Set evergreen.loops to 1 or more");
    }

    @Test
    void otherPropertiesAreLeftToSpringBoot() {
        contextRunner.withPropertyValues("evergreen.loops=1")
            .withUserConfiguration(OtherPropertiesConfiguration.class)
            .withPropertyValues("other.count=x")
            .run(context -> assertThat(new EvergreenPropertiesFailureAnalyzer().analyze(context.getStartupFailure()))
                .isNull());
    }

    @Test
    void springBootReportsItWithoutAStackTrace(CapturedOutput output) {
        SpringApplication application = new SpringApplication(MinimalApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThatException().isThrownBy(() -> application.run("--evergreen.loops=0"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("Invalid Evergreen configuration:")
            .contains("evergreen.loops = 0: must be at least 1")
            .contains("Set evergreen.loops to 1 or more")
            .doesNotContain("\tat org.springframework");
    }

    private FailureAnalysis analyze(String... properties) {
        Throwable[] failure = new Throwable[1];
        contextRunner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            failure[0] = context.getStartupFailure();
        });
        FailureAnalysis analysis = new EvergreenPropertiesFailureAnalyzer().analyze(failure[0]);
        assertThat(analysis).as("analysis of %s", failure[0]).isNotNull();
        return analysis;
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(EvergreenAutoConfiguration.class)
    static class MinimalApplication {

    }

    @org.springframework.boot.context.properties.EnableConfigurationProperties(OtherProperties.class)
    static class OtherPropertiesConfiguration {

    }

    @org.springframework.boot.context.properties.ConfigurationProperties("other")
    static class OtherProperties {

        private int count;

        public int getCount() {
            return count;
        }

        public void setCount(int count) {
            this.count = count;
        }
    }
}
