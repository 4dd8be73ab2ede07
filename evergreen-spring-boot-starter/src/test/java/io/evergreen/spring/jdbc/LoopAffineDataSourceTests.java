package io.evergreen.spring.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.LoopAffineSemaphore;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.ConnectionProxy;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LoopAffineDataSourceTests {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    private HikariDataSource pool;
    private DataSource dataSource;
    private LoopAffineSemaphore permits;
    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        pool = new HikariDataSource();
        pool.setJdbcUrl("jdbc:h2:mem:loop-affine;DB_CLOSE_DELAY=-1");
        pool.setMaximumPoolSize(2);
        dataSource = LoopAffineDataSource.wrap(pool, 2, LIMIT);
        permits = ((LoopAffineDataSource) dataSource).loopAffinePermits();
        group = EventLoopGroup.create(2, SchedulerMode.LOOP);
    }

    @AfterEach
    void tearDown() {
        group.close();
        pool.close();
    }

    @Test
    void eachConnectionHoldsAPermitUntilItIsClosedOnce() throws SQLException {
        Connection first = dataSource.getConnection();
        Connection second = dataSource.getConnection();
        assertThat(permits.availablePermits()).isZero();

        first.close();
        first.close();
        assertThat(first.isClosed()).isTrue();
        assertThat(permits.availablePermits()).isEqualTo(1);

        second.close();
        assertThat(permits.availablePermits()).isEqualTo(2);
    }

    @Test
    void aWaitLongerThanThePoolsTimeoutFailsAsThePoolWouldAndKeepsNoPermit() throws SQLException {
        DataSource hasty = LoopAffineDataSource.wrap(pool, 2, Duration.ofMillis(300));
        LoopAffineSemaphore hastyPermits = ((LoopAffineDataSource) hasty).loopAffinePermits();
        try (Connection first = hasty.getConnection(); Connection second = hasty.getConnection()) {
            assertThatThrownBy(hasty::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("became free within 300 ms")
                .hasMessageContaining("one of 2");
            assertThat(hastyPermits.waiting()).isZero();
        }
        assertThat(hastyPermits.availablePermits()).isEqualTo(2);
    }

    @Test
    void aFiberWaitsForAConnectionThatAnotherGivesBack() throws Exception {
        Connection held = dataSource.getConnection();
        Connection alsoHeld = dataSource.getConnection();
        try {
            Fiber<Integer> waiter = Fiber.builder().loop(group.loop(0)).start(() -> {
                try (Connection connection = dataSource.getConnection();
                        ResultSet result = connection.createStatement().executeQuery("select 1")) {
                    result.next();
                    return result.getInt(1);
                }
            });
            Awaitility.await().atMost(LIMIT).until(() -> permits.waiting() == 1);

            held.close();

            assertThat(waiter.join(LIMIT)).isEqualTo(1);
            assertThat(permits.availablePermits()).isEqualTo(1);
        } finally {
            alsoHeld.close();
        }
    }

    @Test
    void aThreadInterruptedWhileWaitingGetsAnSQLExceptionAndKeepsItsInterruptStatus() throws Exception {
        try (Connection held = dataSource.getConnection(); Connection alsoHeld = dataSource.getConnection()) {
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    dataSource.getConnection().close();
                    failure.complete(null);
                } catch (Throwable t) {
                    failure.complete(Thread.currentThread().isInterrupted() ? t : new AssertionError("interrupt lost", t));
                }
            });
            Awaitility.await().atMost(LIMIT).until(() -> permits.waiting() == 1);

            waiter.interrupt();

            assertThat(failure.get()).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("Interrupted while waiting for a connection");
            assertThat(permits.waiting()).isZero();
        }
        assertThat(permits.availablePermits()).isEqualTo(2);
    }

    @Test
    void aConnectionThePoolCannotGiveLeavesThePermitFree() {
        HikariDataSource broken = new HikariDataSource();
        broken.setJdbcUrl("jdbc:h2:tcp://127.0.0.1:1/nowhere");
        broken.setConnectionTimeout(250);
        broken.setInitializationFailTimeout(-1);
        try (broken) {
            DataSource wrapped = LoopAffineDataSource.wrap(broken, 1, Duration.ofSeconds(5));
            assertThatThrownBy(wrapped::getConnection).isInstanceOf(SQLException.class);
            assertThat(((LoopAffineDataSource) wrapped).loopAffinePermits().availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void springTransactionsHoldOnePermitFromBeginToCommitOrRollback() {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        jdbc.sql("create table if not exists notes (text varchar(20))").update();
        jdbc.sql("delete from notes").update();
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

        transactions.executeWithoutResult(status -> {
            jdbc.sql("insert into notes values ('kept')").update();
            jdbc.sql("insert into notes values ('also kept')").update();
            assertThat(permits.availablePermits()).isEqualTo(1); // one connection for the whole transaction
        });
        transactions.executeWithoutResult(status -> {
            jdbc.sql("insert into notes values ('rolled back')").update();
            status.setRollbackOnly();
        });

        assertThat(jdbc.sql("select text from notes order by text").query(String.class).list())
            .containsExactly("also kept", "kept");
        assertThat(permits.availablePermits()).isEqualTo(2);
    }

    @Test
    void theConnectionUnwrapsToThePoolsOwnAsSpringExpects() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection).isInstanceOf(ConnectionProxy.class);
            Connection target = DataSourceUtils.getTargetConnection(connection);
            assertThat(target).isNotSameAs(connection).isNotInstanceOf(ConnectionProxy.class);
            assertThat(connection.isWrapperFor(ConnectionProxy.class)).isTrue();
            assertThat(connection.unwrap(Connection.class)).isSameAs(connection);
            assertThat(connection).isEqualTo(connection).isNotEqualTo(target);
        }
    }

    @Test
    void everythingButGetConnectionIsThePools() {
        assertThat(dataSource).isInstanceOf(HikariDataSource.class);
        assertThat(((HikariDataSource) dataSource).getMaximumPoolSize()).isEqualTo(2);
        assertThatThrownBy(() -> LoopAffineDataSource.wrap(dataSource, 2, LIMIT))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("already behind loop-affine permits");
    }
}
