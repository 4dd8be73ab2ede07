package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.SchedulerMode;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties for Evergreen ({@code evergreen.*}). Validates itself: values out of range fail
 * start-up with a report from {@link EvergreenPropertiesFailureAnalyzer}.
 */
@ConfigurationProperties("evergreen")
public class EvergreenProperties implements Validator {

    /**
     * Whether to enable Evergreen: event loops in the application context, requests and tasks on fibers, the
     * fiber scope.
     */
    private boolean enabled = true;

    /**
     * Number of event loops, each on its own platform thread. At least 1. When not set, one per available
     * processor.
     */
    private Integer loops;

    /**
     * Who schedules the fibers. 'loop': each fiber is scheduled by its event loop, one at a time per loop,
     * and never leaves it; needs the JVM option --add-opens java.base/java.lang=ALL-UNNAMED. 'jdk': fibers are
     * virtual threads on the JDK's default scheduler; needs no JVM option, gives up loop affinity.
     */
    private SchedulerMode scheduler = SchedulerMode.LOOP;

    /**
     * How long to let fibers finish when the application shuts down, after the web server has drained its
     * requests, before the fibers still alive are cancelled.
     */
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    /**
     * How long one callback or fiber may hold an event loop before the blocked-loop watchdog reports it: a WARN
     * with the fiber's stack, a count, and the health indicator DOWN while it lasts.
     */
    private Duration blockedThreshold = Duration.ofMillis(100);

    /**
     * How often each event loop runs the timer that measures its latency (how late it runs a due timer).
     */
    private Duration latencyProbeInterval = Duration.ofMillis(100);

    private final Web web = new Web();

    private final Async async = new Async();

    private final Netty netty = new Netty();

    private final Jdbc jdbc = new Jdbc();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Integer getLoops() {
        return loops;
    }

    public void setLoops(Integer loops) {
        this.loops = loops;
    }

    public SchedulerMode getScheduler() {
        return scheduler;
    }

    public void setScheduler(SchedulerMode scheduler) {
        this.scheduler = scheduler;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public Duration getBlockedThreshold() {
        return blockedThreshold;
    }

    public void setBlockedThreshold(Duration blockedThreshold) {
        this.blockedThreshold = blockedThreshold;
    }

    public Duration getLatencyProbeInterval() {
        return latencyProbeInterval;
    }

    public void setLatencyProbeInterval(Duration latencyProbeInterval) {
        this.latencyProbeInterval = latencyProbeInterval;
    }

    public Web getWeb() {
        return web;
    }

    public Async getAsync() {
        return async;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

    public Netty getNetty() {
        return netty;
    }

    /** The number of loops to create: the configured one, else one per available processor. */
    public int determineLoops() {
        return loops != null ? loops : Runtime.getRuntime().availableProcessors();
    }

    @Override
    public boolean supports(Class<?> type) {
        return EvergreenProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        EvergreenProperties properties = (EvergreenProperties) target;
        if (properties.getLoops() != null && properties.getLoops() < 1) {
            errors.rejectValue("loops", "evergreen.loops.min", "must be at least 1");
        }
        if (properties.getScheduler() == null) {
            errors.rejectValue("scheduler", "evergreen.scheduler.required", "must be 'loop' or 'jdk'");
        }
        rejectIfNegative(errors, "shutdownTimeout", properties.getShutdownTimeout());
        rejectUnlessPositive(errors, "blockedThreshold", properties.getBlockedThreshold());
        rejectUnlessPositive(errors, "latencyProbeInterval", properties.getLatencyProbeInterval());
        Integer maxInFlight = properties.getWeb().getMaxInFlight();
        if (maxInFlight != null && maxInFlight < 1) {
            errors.rejectValue("web.maxInFlight", "evergreen.web.max-in-flight.min", "must be at least 1");
        }
        rejectIfNegative(errors, "web.retryAfter", properties.getWeb().getRetryAfter());
        if (properties.getNetty().getTransport() == null) {
            errors.rejectValue("netty.transport", "evergreen.netty.transport.required", "must be 'nio' or 'epoll'");
        }
    }

    private static void rejectIfNegative(Errors errors, String field, Duration value) {
        if (value == null) {
            errors.rejectValue(field, "evergreen.duration.required", "must be set");
        } else if (value.isNegative()) {
            errors.rejectValue(field, "evergreen.duration.negative", "must not be negative");
        }
    }

    private static void rejectUnlessPositive(Errors errors, String field, Duration value) {
        if (value == null) {
            errors.rejectValue(field, "evergreen.duration.required", "must be set");
        } else if (value.isNegative() || value.isZero()) {
            errors.rejectValue(field, "evergreen.duration.positive", "must be positive");
        }
    }

    public static class Web {

        /**
         * Whether the embedded web server runs requests on fibers: Tomcat and Jetty every request; WebFlux on Reactor
         * Netty its blocking controller methods, with Reactor Netty's connections served by the event loops.
         */
        private boolean enabled = true;

        /**
         * Maximum number of requests in flight at once (Tomcat, Jetty or WebFlux). Above it, requests are answered at
         * once with 503 Service Unavailable and a Retry-After header. When not set, there is no limit.
         */
        private Integer maxInFlight;

        /**
         * How long clients answered 503 are asked to wait before they retry (the Retry-After header, in whole
         * seconds, rounded up).
         */
        private Duration retryAfter = Duration.ofSeconds(1);

        /**
         * Who polls Tomcat's connections. 'nio': Tomcat's own NIO connector; its poller thread hands each request
         * to a loop. 'loop': the event loops poll the connections themselves and run each request on a fiber of
         * the loop that polls its connection, with no thread in between; plain HTTP only (no TLS, no sendfile).
         * Jetty ignores it.
         */
        private Connector connector = Connector.NIO;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Integer getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(Integer maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Duration getRetryAfter() {
            return retryAfter;
        }

        public void setRetryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
        }

        public Connector getConnector() {
            return connector;
        }

        public void setConnector(Connector connector) {
            this.connector = connector;
        }

        /** Who polls the embedded Tomcat's connections. */
        public enum Connector {

            /** Tomcat's NIO connector: its poller thread hands each request to a loop. */
            NIO,

            /** The event loops poll the connections and run their requests (plain HTTP only). */
            LOOP
        }
    }

    public static class Async {

        /**
         * Whether @Async methods and Spring MVC async requests (Callable, DeferredResult) run on fibers, through
         * the applicationTaskExecutor bean.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public static class Jdbc {

        /**
         * Whether a HikariCP pool's connections wait for fibers behind a semaphore that hands a returned connection
         * to a fiber of the same event loop first (within 5 ms of fairness), instead of in the pool, which hands it
         * to the longest waiter of any loop. Only with the loop scheduler.
         */
        private boolean loopAffine = true;

        public boolean isLoopAffine() {
            return loopAffine;
        }

        public void setLoopAffine(boolean loopAffine) {
            this.loopAffine = loopAffine;
        }
    }

    public static class Netty {

        /**
         * How the event loops poll for I/O in a WebFlux application on Reactor Netty, where they serve Netty's
         * connections (the web server's and WebClient's). 'nio': java.nio selectors, which Evergreen's own sockets
         * share. 'epoll': Linux epoll through Netty's native transport, which needs
         * io.netty:netty-transport-native-epoll; Evergreen's own sockets (TcpServer, TcpStream, UdpEndpoint) cannot
         * be used with it.
         */
        private Transport transport = Transport.NIO;

        public Transport getTransport() {
            return transport;
        }

        public void setTransport(Transport transport) {
            this.transport = transport;
        }

        /** Netty's transports the loops can poll with. */
        public enum Transport {

            /** {@code java.nio} selectors. */
            NIO,

            /** Linux epoll, through Netty's native transport. */
            EPOLL
        }
    }
}
