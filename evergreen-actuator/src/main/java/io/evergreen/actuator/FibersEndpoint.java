package io.evergreen.actuator;

import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.FiberDump;
import io.evergreen.monitor.FiberSnapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code /actuator/fibers}: a dump of the live fibers (id, name, loop, state, age, parent, park blocker,
 * stack), as JSON or, with {@code Accept: text/plain}, as text laid out like a thread dump;
 * {@code /actuator/fibers/{id}} for one fiber. Filters: {@code ?state=parked,runnable}, {@code ?minAge=5s},
 * {@code ?limit=100} (default {@value #DEFAULT_LIMIT}).
 * <p>
 * The dump is taken loop by loop and never stops the world. It shows code locations and fiber names only:
 * no request headers, bodies or parameters, and park blockers by class and identity hash. Stacks still say
 * what the application does, so the endpoint is served over HTTP only when
 * {@code management.endpoints.web.exposure.include} names it.
 */
@Endpoint(id = "fibers")
public class FibersEndpoint {

    /** Fibers returned when no limit is asked for: enough for any dump a person reads, bounded for a scrape. */
    public static final int DEFAULT_LIMIT = 1_000;

    private final EventLoopGroup group;

    public FibersEndpoint(EventLoopGroup group) {
        this.group = group;
    }

    @ReadOperation
    public FiberDumpDescriptor fibers(@Nullable String state, @Nullable String minAge, @Nullable Integer limit) {
        FiberDump.Query query = query(state, minAge, limit);
        List<FiberSnapshot> fibers = FiberDump.take(group, query);
        return new FiberDumpDescriptor(Instant.now(), group.mode().name().toLowerCase(Locale.ROOT), fibers.size(),
                fibers.size() >= query.limit(), fibers.stream().map(FiberDescriptor::of).toList());
    }

    @ReadOperation(produces = "text/plain;charset=UTF-8")
    public String textFibers(@Nullable String state, @Nullable String minAge, @Nullable Integer limit) {
        return FiberDump.toText(group, FiberDump.take(group, query(state, minAge, limit)));
    }

    /** One live fiber with its stack; 404 when no live fiber has that id. */
    @ReadOperation
    public @Nullable FiberDescriptor fiber(@Selector long id) {
        FiberSnapshot fiber = FiberDump.find(group, id);
        return fiber == null ? null : FiberDescriptor.of(fiber);
    }

    static FiberDump.Query query(@Nullable String state, @Nullable String minAge, @Nullable Integer limit) {
        if (limit != null && limit < 0) {
            throw new InvalidEndpointRequestException("limit must not be negative: " + limit, "Invalid limit");
        }
        return new FiberDump.Query(states(state), age(minAge), limit == null ? DEFAULT_LIMIT : limit, true);
    }

    private static Set<FiberState> states(@Nullable String state) {
        if (state == null || state.isBlank()) {
            return Set.of();
        }
        Set<FiberState> states = EnumSet.noneOf(FiberState.class);
        for (String name : state.split(",")) {
            try {
                states.add(FiberState.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidEndpointRequestException("Unknown fiber state '" + name.trim() + "'; use "
                        + "running, runnable or parked (comma-separated)", "Invalid state");
            }
        }
        return states;
    }

    private static Duration age(@Nullable String minAge) {
        if (minAge == null || minAge.isBlank()) {
            return Duration.ZERO;
        }
        try {
            Duration age = DurationStyle.detectAndParse(minAge.trim());
            if (age.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return age;
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException("minAge must be a duration of 0 or more, such as 500ms, 5s "
                    + "or PT1M: '" + minAge + "'", "Invalid minAge");
        }
    }

    /**
     * @param takenAt when the dump was taken
     * @param scheduler {@code loop} or {@code jdk}
     * @param count fibers in this dump
     * @param truncated whether the limit cut the dump short
     * @param fibers the fibers, loop by loop, newest first within a loop
     */
    public record FiberDumpDescriptor(Instant takenAt, String scheduler, int count, boolean truncated,
            List<FiberDescriptor> fibers) {
    }

    /**
     * @param parentId the id of the fiber that created it, or -1
     * @param parkBlocker what it is parked on, as {@code ClassName@hash}, or null
     * @param stack one frame per line, innermost first
     */
    public record FiberDescriptor(long id, String name, int loop, String state, double ageMillis, long parentId,
            @Nullable String parkBlocker, List<String> stack) {

        static FiberDescriptor of(FiberSnapshot fiber) {
            return new FiberDescriptor(fiber.id(), fiber.name(), fiber.loop(), fiber.state().name(),
                    Millis.of(fiber.age()), fiber.parentId(), fiber.parkBlocker(),
                    fiber.stack().stream().map(StackTraceElement::toString).toList());
        }
    }
}
