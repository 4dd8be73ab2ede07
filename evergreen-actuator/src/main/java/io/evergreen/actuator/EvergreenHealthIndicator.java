package io.evergreen.actuator;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.LoopWatchdog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health contributor {@code evergreen}: DOWN while a loop is held past {@code evergreen.blocked-threshold}
 * or has stopped, UP otherwise; details per loop: its latency p99, whether it is blocked, and by what.
 */
public class EvergreenHealthIndicator extends AbstractHealthIndicator {

    private final EventLoopGroup group;
    private final LoopWatchdog watchdog;

    public EvergreenHealthIndicator(EventLoopGroup group, LoopWatchdog watchdog) {
        super("Evergreen health check failed");
        this.group = group;
        this.watchdog = watchdog;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean healthy = true;
        List<Map<String, Object>> loops = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            int index = loop.index();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("index", index);
            details.put("state", EvergreenEndpoint.loopState(loop));
            details.put("latencyP99Millis", Millis.ofNanos(loop.stats().latency().snapshot().p99Nanos()));
            BlockedLoopEvent incident = watchdog.currentIncident(index);
            details.put("blocked", incident != null);
            if (incident != null) {
                details.put("blockedForMillis", Millis.of(incident.duration()));
                details.put("blockedBy", incident.culprit());
            }
            healthy &= incident == null && !loop.isStopping();
            loops.add(details);
        }
        (healthy ? builder.up() : builder.down()).withDetail("scheduler", group.mode().name().toLowerCase(java.util.Locale.ROOT))
            .withDetail("blockedThresholdMillis", Millis.of(watchdog.threshold()))
            .withDetail("loops", loops);
    }
}
