package io.evergreen.demo;

import org.springframework.test.context.ActiveProfiles;

/**
 * {@link ConcurrentOrdersContract} on the machine's PostgreSQL (the {@code postgres} profile: 127.0.0.1:5432,
 * database {@code test}, user {@code postgres}).
 */
@ActiveProfiles("postgres")
class PostgresOrdersTests extends ConcurrentOrdersContract {
}
