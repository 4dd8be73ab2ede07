package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.SchedulerMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Reports invalid {@code evergreen.*} properties: values out of range ({@code evergreen.loops=0}, a negative
 * duration), an unknown {@code evergreen.scheduler}, {@code evergreen.netty.transport} or {@code evergreen.web.connector}, values that cannot be converted ({@code evergreen.loops=abc},
 * {@code evergreen.enabled=ture}). Each report names the property, its value as written and where it was written,
 * and what the property takes. Ordered before Spring Boot's generic binding analyzers, which would say only that
 * the value could not be converted.
 */
final class EvergreenPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    private static final ConfigurationPropertyName EVERGREEN = ConfigurationPropertyName.of("evergreen");

    private static final ConfigurationPropertyName SCHEDULER = ConfigurationPropertyName.of("evergreen.scheduler");

    private static final ConfigurationPropertyName TRANSPORT = ConfigurationPropertyName.of("evergreen.netty.transport");

    private static final ConfigurationPropertyName CONNECTOR = ConfigurationPropertyName.of("evergreen.web.connector");

    private static final String INVALID = "Invalid Evergreen configuration:\n";

    /** How Spring Boot reads a {@code Duration} property without {@code @DurationUnit}. */
    static final String DURATION_FORMAT = "Write a duration as a whole number and a unit, ns, us, ms, s, m, h or d "
            + "(such as 500ms or 30s; without a unit, milliseconds), or in ISO-8601 (such as PT0.5S).";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        ConfigurationPropertyName name = cause.getName();
        if (name == null || !(EVERGREEN.equals(name) || EVERGREEN.isAncestorOf(name))) {
            return null;
        }
        if (cause.getCause() instanceof BindValidationException validation) {
            return analyzeValidation(validation.getValidationErrors(), cause);
        }
        if (SCHEDULER.equals(name)) {
            return analyzeUnknownScheduler(cause);
        }
        if (TRANSPORT.equals(name)) {
            return analyzeUnknownTransport(cause);
        }
        if (CONNECTOR.equals(name)) {
            return analyzeUnknownConnector(cause);
        }
        return analyzeUnconvertible(cause);
    }

    private FailureAnalysis analyzeValidation(ValidationErrors errors, BindException cause) {
        StringBuilder description = new StringBuilder(INVALID);
        List<String> actions = new ArrayList<>();
        for (ObjectError error : errors) {
            if (error instanceof FieldError field) {
                String property = errors.getName() + "." + kebabCase(field.getField());
                ConfigurationProperty bound = boundProperty(errors, property);
                // The value as written ("-1s"), not as bound (PT-1S), so that the user finds it in their file.
                Object value = bound != null ? bound.getValue() : field.getRejectedValue();
                description.append("\n    ")
                    .append(property)
                    .append(" = ")
                    .append(value)
                    .append(": ")
                    .append(field.getDefaultMessage())
                    .append(originOf(bound));
                actions.add(actionFor(property));
            } else {
                description.append("\n    ").append(error.getDefaultMessage());
            }
        }
        return new FailureAnalysis(description.toString(), String.join("\n", actions), cause);
    }

    private static ConfigurationProperty boundProperty(ValidationErrors errors, String property) {
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        return errors.getBoundProperties()
            .stream()
            .filter(bound -> bound.getName().equals(name))
            .findFirst()
            .orElse(null);
    }

    /** What to set instead: every property's accepted values, so that nobody has to look them up. */
    private static String actionFor(String property) {
        return switch (property) {
            case "evergreen.enabled", "evergreen.web.enabled", "evergreen.async.enabled",
                    "evergreen.jdbc.loop-affine" -> "Set " + property
                    + " to true (the default) or false.";
            case "evergreen.loops" -> "Set evergreen.loops to 1 or more, or remove it to get one event loop per "
                    + "available processor (" + Runtime.getRuntime().availableProcessors() + " here).";
            case "evergreen.scheduler" -> "Set evergreen.scheduler to 'loop' or 'jdk'.";
            case "evergreen.shutdown-timeout" -> "Set evergreen.shutdown-timeout to a duration of 0s or more, "
                    + "such as 30s (the default).";
            case "evergreen.blocked-threshold" -> "Set evergreen.blocked-threshold to a positive duration, such as "
                    + "100ms (the default).";
            case "evergreen.latency-probe-interval" -> "Set evergreen.latency-probe-interval to a positive duration, "
                    + "such as 100ms (the default).";
            case "evergreen.web.max-in-flight" -> "Set evergreen.web.max-in-flight to 1 or more, or remove it "
                    + "for no limit.";
            case "evergreen.netty.transport" -> "Set evergreen.netty.transport to 'nio' (the default) or 'epoll'.";
            case "evergreen.web.retry-after" -> "Set evergreen.web.retry-after to a duration of 0s or more, such "
                    + "as 1s (the default).";
            default -> "Correct " + property + ".";
        };
    }

    private FailureAnalysis analyzeUnknownScheduler(BindException cause) {
        StringBuilder choices = new StringBuilder();
        for (SchedulerMode mode : SchedulerMode.values()) {
            choices.append("\n    ").append(mode.name().toLowerCase(Locale.ROOT)).append("  ").append(explain(mode));
        }
        return analyzeUnknownChoice(cause, "scheduler modes", choices);
    }

    private FailureAnalysis analyzeUnknownTransport(BindException cause) {
        StringBuilder choices = new StringBuilder();
        for (EvergreenProperties.Netty.Transport transport : EvergreenProperties.Netty.Transport.values()) {
            choices.append("\n    ").append(transport.name().toLowerCase(Locale.ROOT)).append("  ").append(explain(transport));
        }
        return analyzeUnknownChoice(cause, "Netty transports", choices);
    }

    private FailureAnalysis analyzeUnknownConnector(BindException cause) {
        StringBuilder choices = new StringBuilder();
        for (EvergreenProperties.Web.Connector connector : EvergreenProperties.Web.Connector.values()) {
            choices.append("\n    ").append(connector.name().toLowerCase(Locale.ROOT)).append("  ").append(explain(connector));
        }
        return analyzeUnknownChoice(cause, "Tomcat connectors", choices);
    }

    /** A value that names none of the choices of an enumerated property: each choice is listed with what it does. */
    private FailureAnalysis analyzeUnknownChoice(BindException cause, String kind, CharSequence choices) {
        ConfigurationProperty property = cause.getProperty();
        Object value = property != null ? property.getValue() : null;
        String description = cause.getName() + " is '" + value + "', which is not one of Evergreen's " + kind
                + originOf(property) + ".";
        return new FailureAnalysis(description, "Set " + cause.getName() + " to one of:\n" + choices, cause);
    }

    private static String explain(EvergreenProperties.Netty.Transport transport) {
        return switch (transport) {
            case NIO -> "java.nio selectors, shared with Evergreen's own sockets (the default)";
            case EPOLL -> "Linux epoll through Netty's native transport (needs io.netty:netty-transport-native-epoll; "
                    + "Evergreen's own sockets cannot be used with it)";
        };
    }

    private static String explain(EvergreenProperties.Web.Connector connector) {
        return switch (connector) {
            case NIO -> "Tomcat's own connector; its poller thread hands each request to a loop (the default)";
            case LOOP -> "the event loops poll Tomcat's connections and run their requests, with no thread in "
                    + "between (plain HTTP only)";
        };
    }

    private static String explain(SchedulerMode mode) {
        return switch (mode) {
            case LOOP -> "each fiber is scheduled by its event loop (the default; needs the JVM option "
                    + LoopSchedulerUnavailableFailureAnalyzer.FLAG + ")";
            case JDK -> "fibers are virtual threads on the JDK's default scheduler (needs no JVM option, gives up "
                    + "loop affinity)";
        };
    }

    /**
     * A value the binder could not convert ({@code evergreen.loops=abc}): reported like the values out of range,
     * with what the property takes, rather than with the converter's message ({@code For input string: "abc"}).
     */
    private FailureAnalysis analyzeUnconvertible(BindException cause) {
        ConfigurationProperty property = cause.getProperty();
        Object value = property != null ? property.getValue() : null;
        Class<?> type = cause.getTarget().getType().resolve(Object.class);
        String description = INVALID + "\n    " + cause.getName() + " = " + value + ": " + problem(type, value, cause)
                + originOf(property);
        String action = actionFor(cause.getName().toString());
        if (type == Duration.class) {
            action += "\n" + DURATION_FORMAT;
        }
        return new FailureAnalysis(description, action, cause);
    }

    private static String problem(Class<?> type, Object value, BindException cause) {
        if (type == Boolean.class || type == boolean.class) {
            return "not true or false";
        }
        if (type == Duration.class) {
            return "not a duration";
        }
        if (type == Integer.class || type == int.class) {
            return String.valueOf(value).strip().matches("[+-]?\\d+") ? "too large a number" : "not a whole number";
        }
        Throwable reason = cause.getCause() != null ? mostSpecific(cause.getCause()) : cause;
        return reason.getMessage();
    }

    private static Throwable mostSpecific(Throwable throwable) {
        Throwable current = throwable;
        while (current.getCause() != null && current.getCause() != current) {
            current = current.getCause();
        }
        return current;
    }

    private static String originOf(ConfigurationProperty property) {
        Origin origin = property != null ? property.getOrigin() : null;
        return origin != null ? " (from " + origin + ")" : "";
    }

    /** {@code web.maxInFlight} → {@code web.max-in-flight}: field paths to property names. */
    static String kebabCase(String fieldPath) {
        return fieldPath.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    @Override
    public int getOrder() {
        return 0;
    }
}
