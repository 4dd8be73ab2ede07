package io.evergreen.spring.autoconfigure;

import com.zaxxer.hikari.HikariDataSource;
import io.evergreen.spring.jdbc.LoopAffineDataSource;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.ConnectionProxy;

/**
 * Auto-configuration of loop-affine connection hand-offs: every HikariCP {@code DataSource} bean is put behind a
 * {@link LoopAffineDataSource}, so that a connection given back goes to a fiber of the same loop first. With the
 * loop scheduler only: on the JDK's scheduler fibers have no loop of their own to run on. Off with
 * {@code evergreen.jdbc.loop-affine=false}.
 */
@AutoConfiguration
@ConditionalOnEvergreenEnabled
@ConditionalOnEvergreenFeature("evergreen.jdbc.loop-affine")
@ConditionalOnProperty(name = "evergreen.scheduler", havingValue = "loop", matchIfMissing = true)
@ConditionalOnClass({ HikariDataSource.class, ConnectionProxy.class, ProxyFactory.class })
public final class EvergreenJdbcAutoConfiguration {

    /** Static: a post-processor is created before the other beans, and must not drag this class's in with it. */
    @Bean
    static LoopAffineDataSourcePostProcessor evergreenLoopAffineDataSourcePostProcessor() {
        return new LoopAffineDataSourcePostProcessor();
    }
}
