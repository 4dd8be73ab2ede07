package io.evergreen.spring.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Every {@code evergreen.*} property, given values it cannot take (out of range, zero where it must be positive,
 * not a number, not a duration, not a boolean, an unknown mode): start-up fails, and the report Spring Boot prints
 * is Evergreen's, naming the property, the value as written, where it was written and what the property takes.
 * The application is started as a user's is, with auto-configuration and the failure analyzers from
 * {@code spring.factories}, so that the test also proves that ours wins over Spring Boot's own binding analyzer.
 * <p>
 * The properties tested here must be exactly those of the generated configuration metadata: a new property fails
 * the build until it has its invalid values and its expected report here.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidEvergreenPropertiesTests {

    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();

    /** What the report asks the user to do, per property. */
    private static final Map<String, String> ACTIONS = Map.ofEntries(
            Map.entry("evergreen.enabled", "Set evergreen.enabled to true (the default) or false."),
            Map.entry("evergreen.loops", "Set evergreen.loops to 1 or more, or remove it to get one event loop per "
                    + "available processor (" + PROCESSORS + " here)."),
            Map.entry("evergreen.shutdown-timeout", "Set evergreen.shutdown-timeout to a duration of 0s or more, such "
                    + "as 30s (the default)."),
            Map.entry("evergreen.blocked-threshold", "Set evergreen.blocked-threshold to a positive duration, such as "
                    + "100ms (the default)."),
            Map.entry("evergreen.latency-probe-interval", "Set evergreen.latency-probe-interval to a positive "
                    + "duration, such as 100ms (the default)."),
            Map.entry("evergreen.web.enabled", "Set evergreen.web.enabled to true (the default) or false."),
            Map.entry("evergreen.web.max-in-flight", "Set evergreen.web.max-in-flight to 1 or more, or remove it for "
                    + "no limit."),
            Map.entry("evergreen.web.retry-after", "Set evergreen.web.retry-after to a duration of 0s or more, such as "
                    + "1s (the default)."),
            Map.entry("evergreen.async.enabled", "Set evergreen.async.enabled to true (the default) or false."),
            Map.entry("evergreen.jdbc.loop-affine", "Set evergreen.jdbc.loop-affine to true (the default) or false."));

    /** Added to the action when a duration could not be read at all. */
    private static final String DURATION_FORMAT = "Write a duration as a whole number and a unit, ns, us, ms, s, m, "
            + "h or d (such as 500ms or 30s; without a unit, milliseconds), or in ISO-8601 (such as PT0.5S).";

    private static final String SCHEDULER_ACTION = """
            Set evergreen.scheduler to one of:

                loop  each fiber is scheduled by its event loop (the default; needs the JVM option \
            --add-opens java.base/java.lang=ALL-UNNAMED)
                jdk  fibers are virtual threads on the JDK's default scheduler (needs no JVM option, gives up \
            loop affinity)""";

    private static final String TRANSPORT_ACTION = """
            Set evergreen.netty.transport to one of:

                nio  java.nio selectors, shared with Evergreen's own sockets (the default)
                epoll  Linux epoll through Netty's native transport (needs io.netty:netty-transport-native-epoll; \
            Evergreen's own sockets cannot be used with it)""";

    private static final String CONNECTOR_ACTION = """
            Set evergreen.web.connector to one of:

                nio  Tomcat's own connector; its poller thread hands each request to a loop (the default)
                loop  the event loops poll Tomcat's connections and run their requests, with no thread in between \
            (plain HTTP only)""";

    static Stream<InvalidValue> invalidValues() {
        return Stream.of(
                unconvertible("evergreen.enabled", "maybe", "not true or false"),
                unconvertible("evergreen.enabled", "ture", "not true or false"),
                outOfRange("evergreen.loops", "0", "must be at least 1"),
                outOfRange("evergreen.loops", "-4", "must be at least 1"),
                unconvertible("evergreen.loops", "abc", "not a whole number"),
                unconvertible("evergreen.loops", "1.5", "not a whole number"),
                unconvertible("evergreen.loops", "99999999999", "too large a number"),
                unknownScheduler("fast"),
                unknownScheduler("virtual"),
                outOfRange("evergreen.shutdown-timeout", "-1s", "must not be negative"),
                unconvertible("evergreen.shutdown-timeout", "soon", "not a duration"),
                unconvertible("evergreen.shutdown-timeout", "1.5s", "not a duration"),
                outOfRange("evergreen.blocked-threshold", "0ms", "must be positive"),
                outOfRange("evergreen.blocked-threshold", "-5ms", "must be positive"),
                unconvertible("evergreen.blocked-threshold", "10 ms", "not a duration"),
                outOfRange("evergreen.latency-probe-interval", "0", "must be positive"),
                outOfRange("evergreen.latency-probe-interval", "-1s", "must be positive"),
                unconvertible("evergreen.latency-probe-interval", "often", "not a duration"),
                unconvertible("evergreen.web.enabled", "maybe", "not true or false"),
                outOfRange("evergreen.web.max-in-flight", "0", "must be at least 1"),
                outOfRange("evergreen.web.max-in-flight", "-3", "must be at least 1"),
                unconvertible("evergreen.web.max-in-flight", "many", "not a whole number"),
                unconvertible("evergreen.web.max-in-flight", "false", "not a whole number"),
                outOfRange("evergreen.web.retry-after", "-1s", "must not be negative"),
                unconvertible("evergreen.web.retry-after", "later", "not a duration"),
                unconvertible("evergreen.async.enabled", "maybe", "not true or false"),
                unconvertible("evergreen.jdbc.loop-affine", "maybe", "not true or false"),
                unknownTransport("fast"),
                unknownTransport("io_uring"),
                unknownConnector("netty"),
                unknownConnector("loops"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void startUpFailsWithEvergreensReport(InvalidValue invalid, CapturedOutput output) {
        SpringApplication application = new SpringApplication(UserApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);

        assertThatException().isThrownBy(() -> application.run("--spring.main.banner-mode=off",
                "--" + invalid.property() + "=" + invalid.value()));

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
            .contains("Description:\n\n" + invalid.description() + "\n\nAction:\n\n" + invalid.action() + "\n");
    }

    @Test
    void everyPropertyOfTheMetadataHasInvalidValuesAbove() throws Exception {
        Path classes = Path.of(EvergreenProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String metadata = Files.readString(classes.resolve("META-INF/spring-configuration-metadata.json"));
        List<String> documented = JsonPath.read(metadata, "$.properties[*].name");
        Set<String> tested = invalidValues().map(InvalidValue::property).collect(Collectors.toSet());
        assertThat(tested).containsExactlyInAnyOrderElementsOf(documented);
    }

    private static InvalidValue outOfRange(String property, String value, String problem) {
        return new InvalidValue(property, value, invalid(property, value, problem), action(property));
    }

    private static InvalidValue unconvertible(String property, String value, String problem) {
        String action = action(property);
        if (problem.equals("not a duration")) {
            action += "\n" + DURATION_FORMAT;
        }
        return new InvalidValue(property, value, invalid(property, value, problem), action);
    }

    private static InvalidValue unknownScheduler(String value) {
        return new InvalidValue("evergreen.scheduler", value, "evergreen.scheduler is '" + value + "', which is not "
                + "one of Evergreen's scheduler modes" + origin("evergreen.scheduler") + ".", SCHEDULER_ACTION);
    }

    private static InvalidValue unknownTransport(String value) {
        return new InvalidValue("evergreen.netty.transport", value, "evergreen.netty.transport is '" + value + "', "
                + "which is not one of Evergreen's Netty transports" + origin("evergreen.netty.transport") + ".",
                TRANSPORT_ACTION);
    }

    private static InvalidValue unknownConnector(String value) {
        return new InvalidValue("evergreen.web.connector", value, "evergreen.web.connector is '" + value + "', "
                + "which is not one of Evergreen's Tomcat connectors" + origin("evergreen.web.connector") + ".",
                CONNECTOR_ACTION);
    }

    private static String invalid(String property, String value, String problem) {
        return "Invalid Evergreen configuration:\n\n    " + property + " = " + value + ": " + problem + origin(property);
    }

    private static String origin(String property) {
        return " (from \"" + property + "\" from property source \"commandLineArgs\")";
    }

    private static String action(String property) {
        assertThat(ACTIONS).as("the expected action for %s", property).containsKey(property);
        return ACTIONS.get(property);
    }

    /** One invalid value of one property, and the report it must produce. */
    record InvalidValue(String property, String value, String description, String action) {

        @Override
        public String toString() {
            return property + "=" + value;
        }
    }

    /** A user's application: everything on the test class path auto-configured, no web server. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class UserApplication {

    }
}
