package io.evergreen.spring.autoconfigure;

import com.zaxxer.hikari.HikariDataSource;
import io.evergreen.spring.jdbc.LoopAffineDataSource;
import io.evergreen.sync.LoopAffineSemaphore;

import java.sql.Connection;
import java.sql.SQLTransientConnectionException;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.DataSourceUnwrapper;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvergreenJdbcAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class, EvergreenJdbcAutoConfiguration.class,
                DataSourceAutoConfiguration.class))
        .withPropertyValues("evergreen.loops=2", "spring.datasource.url=jdbc:h2:mem:jdbc-autoconfig;DB_CLOSE_DELAY=-1",
                "spring.datasource.hikari.connection-timeout=1500");

    @Test
    void hikariPoolsWaitBehindLoopAffinePermitsAndStayHikariDataSources() {
        contextRunner.withPropertyValues("spring.datasource.hikari.maximum-pool-size=7").run(context -> {
            DataSource dataSource = context.getBean(DataSource.class);
            assertThat(dataSource).isInstanceOf(HikariDataSource.class).isInstanceOf(LoopAffineDataSource.class);
            assertThat(context.getBean(HikariDataSource.class)).isSameAs(dataSource);
            assertThat(((LoopAffineDataSource) dataSource).loopAffinePermits().permits()).isEqualTo(7);
            assertThat(((HikariDataSource) dataSource).getMaximumPoolSize()).isEqualTo(7);
            // What Boot's pool metrics and JMX look for still finds the pool itself.
            assertThat(DataSourceUnwrapper.unwrap(dataSource, HikariDataSource.class)).isInstanceOf(HikariDataSource.class);
            Integer answer = JdbcClient.create(dataSource).sql("select 6 * 7").query(Integer.class).single();
            assertThat(answer).isEqualTo(42);
            assertThat(((LoopAffineDataSource) dataSource).loopAffinePermits().availablePermits()).isEqualTo(7);
        });
    }

    @Test
    void aPoolWithoutASizeGetsHikarisDefaultNumberOfPermits() {
        contextRunner.run(context -> {
            LoopAffineDataSource dataSource = context.getBean(LoopAffineDataSource.class);
            assertThat(dataSource.loopAffinePermits().permits())
                .isEqualTo(LoopAffineDataSourcePostProcessor.HIKARI_DEFAULT_POOL_SIZE);
        });
    }

    @Test
    void thePermitsFollowAPoolResizedWhileItRuns() {
        contextRunner.withPropertyValues("spring.datasource.hikari.maximum-pool-size=2").run(context -> {
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            LoopAffineSemaphore permits = ((LoopAffineDataSource) pool).loopAffinePermits();
            JdbcClient jdbc = JdbcClient.create(pool);

            // As an operator does it over JMX: HikariCP applies both to the running pool.
            pool.getHikariConfigMXBean().setMaximumPoolSize(5);
            pool.getHikariConfigMXBean().setConnectionTimeout(1000);
            assertThat(jdbc.sql("select 1").query(Integer.class).single()).isEqualTo(1);
            assertThat(permits.permits()).isEqualTo(5);

            pool.getHikariConfigMXBean().setMaximumPoolSize(1);
            try (Connection held = pool.getConnection()) {
                assertThat(permits.permits()).isEqualTo(1);
                // The one permit is held: the next request waits the pool's new timeout and fails as a pool fails.
                assertThatThrownBy(pool::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("within 1000 ms");
            }
            assertThat(permits.availablePermits()).isEqualTo(1);
        });
    }

    @Test
    void offWhenSwitchedOff() {
        contextRunner.withPropertyValues("evergreen.jdbc.loop-affine=false")
            .run(context -> assertThat(context.getBean(DataSource.class)).isNotInstanceOf(LoopAffineDataSource.class));
    }

    @Test
    void offOnTheJdksSchedulerWhereFibersHaveNoLoopToRunOn() {
        contextRunner.withPropertyValues("evergreen.scheduler=jdk")
            .run(context -> assertThat(context.getBean(DataSource.class)).isNotInstanceOf(LoopAffineDataSource.class));
    }

    @Test
    void onWithTheLoopSchedulerHoweverItIsSpelled() {
        contextRunner.withPropertyValues("evergreen.scheduler=LOOP")
            .run(context -> assertThat(context.getBean(DataSource.class)).isInstanceOf(LoopAffineDataSource.class));
    }

    @Test
    void offWithEvergreen() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context.getBean(DataSource.class)).isNotInstanceOf(LoopAffineDataSource.class));
    }
}
