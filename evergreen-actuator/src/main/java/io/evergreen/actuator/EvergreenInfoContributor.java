package io.evergreen.actuator;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.monitor.LoopWatchdog;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * Adds {@code evergreen} to {@code /actuator/info}: the number of loops, the scheduler mode and the
 * blocked-loop threshold. (Boot's own virtual-thread info reads the JDK's scheduler, which fibers of the
 * {@code loop} mode do not use.)
 */
public class EvergreenInfoContributor implements InfoContributor {

    private final EventLoopGroup group;
    private final LoopWatchdog watchdog;

    public EvergreenInfoContributor(EventLoopGroup group, LoopWatchdog watchdog) {
        this.group = group;
        this.watchdog = watchdog;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> evergreen = new LinkedHashMap<>();
        evergreen.put("loops", group.size());
        evergreen.put("scheduler", group.mode().name().toLowerCase(Locale.ROOT));
        evergreen.put("blockedThreshold", watchdog.threshold().toString());
        builder.withDetail("evergreen", evergreen);
    }
}
