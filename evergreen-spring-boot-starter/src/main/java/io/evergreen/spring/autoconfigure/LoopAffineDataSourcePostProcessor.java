package io.evergreen.spring.autoconfigure;

import com.zaxxer.hikari.HikariDataSource;
import io.evergreen.spring.jdbc.LoopAffineDataSource;

import java.time.Duration;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Puts each HikariCP pool behind a {@link LoopAffineDataSource} once it is configured: as many permits as the pool
 * has connections at most, and the pool's connection timeout as the longest wait for one, both followed while the
 * pool runs.
 */
final class LoopAffineDataSourcePostProcessor implements BeanPostProcessor {

    /** HikariCP's own default, which it applies when the pool starts if no size was set. */
    static final int HIKARI_DEFAULT_POOL_SIZE = 10;

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool && !(bean instanceof LoopAffineDataSource)) {
            // Read at every getConnection: HikariCP lets both change while the pool runs (HikariConfigMXBean).
            // The timeout is always positive: HikariCP stores one set to 0 ("no limit") as Integer.MAX_VALUE ms.
            return LoopAffineDataSource.wrap(pool, () -> poolSize(pool),
                    () -> Duration.ofMillis(pool.getConnectionTimeout()));
        }
        return bean;
    }

    private static int poolSize(HikariDataSource pool) {
        int size = pool.getMaximumPoolSize();
        return size > 0 ? size : HIKARI_DEFAULT_POOL_SIZE;
    }
}
