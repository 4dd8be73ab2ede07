package io.evergreen.actuator;

import com.zaxxer.hikari.HikariDataSource;
import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.spring.jdbc.LoopAffineDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class LoopAffineDataSourceMeterBinderTests {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void showsWhoWaitsForAConnectionAndWhereTheHandOffsWent() throws Exception {
        try (HikariDataSource pool = pool("metered"); HikariDataSource plain = pool("plain");
                EventLoopGroup group = EventLoopGroup.create(1, SchedulerMode.LOOP)) {
            DataSource orders = LoopAffineDataSource.wrap(pool, 1, LIMIT);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new LoopAffineDataSourceMeterBinder(() -> Map.of("orders", orders, "plain", plain)).bindTo(registry);

            assertThat(registry.find("evergreen.jdbc.connections.waiting").tag("name", "plain").gauge()).isNull();
            Connection held = orders.getConnection();
            Fiber<?> waiter = Fiber.builder().loop(group.loop(0)).start(() -> {
                orders.getConnection().close();
                return null;
            });
            Awaitility.await().atMost(LIMIT).until(() -> registry.get("evergreen.jdbc.connections.waiting")
                .tag("name", "orders").gauge().value() == 1.0);

            held.close();
            waiter.join(LIMIT);

            assertThat(registry.get("evergreen.jdbc.connections.waiting").tag("name", "orders").gauge().value()).isZero();
            assertThat(registry.get("evergreen.jdbc.connections.handoffs").tags("name", "orders", "to", "elsewhere")
                .functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("evergreen.jdbc.connections.handoffs").tags("name", "orders", "to", "same-loop")
                .functionCounter().count()).isZero();
        }
    }

    private static HikariDataSource pool(String name) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        pool.setMaximumPoolSize(1);
        return pool;
    }
}
