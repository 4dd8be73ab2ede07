package io.evergreen.demo;

import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * {@link ConcurrentOrdersContract} on a PostgreSQL in a container, wired in with {@code @ServiceConnection}.
 * Skipped where no Docker engine answers.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersOrdersTests extends ConcurrentOrdersContract {

    @Container
    @ServiceConnection
    static PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:16-alpine");
}
