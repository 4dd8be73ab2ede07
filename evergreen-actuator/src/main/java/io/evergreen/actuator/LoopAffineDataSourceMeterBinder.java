package io.evergreen.actuator;

import io.evergreen.spring.jdbc.LoopAffineDataSource;
import io.evergreen.sync.LoopAffineSemaphore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

/**
 * Meters of the connection pools behind loop-affine permits ({@link LoopAffineDataSource}), tagged {@code name} with
 * the {@code DataSource} bean's name as Spring Boot tags its pool meters. Requests for a connection wait for a permit
 * there, not in the pool, so the pool's own pending count stays near 0; these meters show the wait instead:
 * <ul>
 *   <li>{@code evergreen.jdbc.connections.waiting} (Gauge): fibers and threads waiting for a connection;</li>
 *   <li>{@code evergreen.jdbc.connections.handoffs} (FunctionCounter, tag {@code to} = {@code same-loop} |
 *   {@code elsewhere}): connections given back straight to a waiter, on the releaser's loop or not.</li>
 * </ul>
 */
public final class LoopAffineDataSourceMeterBinder implements MeterBinder {

    private final Supplier<Map<String, DataSource>> dataSources;

    public LoopAffineDataSourceMeterBinder(Supplier<Map<String, DataSource>> dataSources) {
        this.dataSources = dataSources;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        dataSources.get().forEach((name, dataSource) -> {
            if (dataSource instanceof LoopAffineDataSource loopAffine) {
                bind(registry, name, loopAffine.loopAffinePermits());
            }
        });
    }

    private static void bind(MeterRegistry registry, String name, LoopAffineSemaphore permits) {
        Gauge.builder("evergreen.jdbc.connections.waiting", permits, LoopAffineSemaphore::waiting)
            .tag("name", name)
            .description("Fibers and threads waiting for a connection of the pool")
            .register(registry);
        FunctionCounter.builder("evergreen.jdbc.connections.handoffs", permits, LoopAffineSemaphore::sameLoopHandOffs)
            .tag("name", name)
            .tag("to", "same-loop")
            .description("Connections given back straight to a waiter")
            .register(registry);
        FunctionCounter.builder("evergreen.jdbc.connections.handoffs", permits, LoopAffineSemaphore::otherHandOffs)
            .tag("name", name)
            .tag("to", "elsewhere")
            .description("Connections given back straight to a waiter")
            .register(registry);
    }
}
