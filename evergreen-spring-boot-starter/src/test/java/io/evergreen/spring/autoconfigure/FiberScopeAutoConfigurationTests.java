package io.evergreen.spring.autoconfigure;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberFailedException;
import io.evergreen.fiber.FiberGroup;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.FiberScope;
import io.evergreen.spring.FiberScopeFilter;
import io.evergreen.spring.FiberScoped;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;

import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.beans.factory.support.ScopeNotActiveException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FiberScopeAutoConfigurationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class, FiberScopeAutoConfiguration.class))
        .withUserConfiguration(ScopedBeanConfiguration.class)
        .withPropertyValues("evergreen.loops=2");

    @Test
    void registersTheFiberScope() {
        contextRunner.run(context -> {
            assertThat(context).hasBean(FiberScopeAutoConfiguration.FIBER_SCOPE_CONFIGURER_BEAN_NAME);
            assertThat(context.getBeanFactory().getRegisteredScope(FiberScope.NAME)).isInstanceOf(FiberScope.class);
            assertThat(AopUtils.isCglibProxy(context.getBean(RequestContext.class))).isTrue();
        });
    }

    @Test
    void outsideAFiberTheScopeSaysWhatToDo() {
        // The bean factory wraps the scope's IllegalStateException in a ScopeNotActiveException.
        contextRunner.run(context -> assertThatThrownBy(() -> context.getBean(RequestContext.class).id())
            .isInstanceOf(ScopeNotActiveException.class)
            .rootCause()
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Scope 'fiber' is not active for the current thread")
            .hasMessageContaining("@FiberScoped bean 'scopedTarget.requestContext' can only be used on a fiber")
            .hasMessageContaining("Use it from a request served by Evergreen (evergreen.web.enabled=true), an @Async "
                    + "method, or code run by Fiber.spawn(..), a FiberGroup or the FiberExecutor bean"));
    }

    @Test
    void oneInstancePerFiberSharedWithTheFibersItSpawns() {
        contextRunner.run(context -> {
            RequestContext proxy = context.getBean(RequestContext.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            FiberExecutor executor = context.getBean(FiberExecutor.class);
            List<Integer> ids = Fiber.builder().loop(group.loop(0)).start(() -> {
                int own = proxy.id();
                int spawned = Fiber.spawn(proxy::id).join(WAIT);
                int onOtherLoop = Fiber.builder().loop(group.loop(1)).start(proxy::id).join(WAIT);
                int viaExecutor = executor.submitCompletable(proxy::id).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                try (FiberGroup children = FiberGroup.open()) {
                    Fiber<Integer> a = children.spawn(proxy::id);
                    Fiber<Integer> grandchild = children.spawn(() -> Fiber.spawn(proxy::id).join(WAIT));
                    children.join();
                    return List.of(own, spawned, onOtherLoop, viaExecutor, a.result(), grandchild.result());
                }
            }).join(WAIT);
            assertThat(ids).hasSize(6).containsOnly(ids.getFirst());
            int other = Fiber.builder().loop(group.loop(0)).start(proxy::id).join(WAIT);
            assertThat(other).isNotEqualTo(ids.getFirst());
        });
    }

    @Test
    void aChildSpawnedBeforeItsParentTouchedTheScopeStillSharesIt() {
        contextRunner.run(context -> {
            RequestContext proxy = context.getBean(RequestContext.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            List<Integer> ids = Fiber.builder().loop(group.loop(0)).start(() -> {
                CountDownLatch parentHasOne = new CountDownLatch(1);
                Fiber<Integer> child = Fiber.spawn(() -> {
                    parentHasOne.await();
                    return proxy.id();
                });
                int own = proxy.id();
                parentHasOne.countDown();
                return List.of(own, child.join(WAIT));
            }).join(WAIT);
            assertThat(ids.get(1)).isEqualTo(ids.get(0));
        });
    }

    @Test
    void destructionCallbacksRunWhenTheOwnerFiberEndsAndTheCountersFollow() {
        contextRunner.run(context -> {
            FiberScope scope = (FiberScope) context.getBeanFactory().getRegisteredScope(FiberScope.NAME);
            RequestContext proxy = context.getBean(RequestContext.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            int destroyedBefore = RequestContext.destroyed.get();
            CountDownLatch release = new CountDownLatch(1);
            Fiber<Integer> owner = Fiber.builder().loop(group.loop(0)).start(() -> {
                int id = proxy.id();
                release.await();
                return id;
            });
            await().atMost(WAIT).until(() -> scope.getLiveCount() == 1);
            assertThat(scope.getCreatedCount()).isEqualTo(1);
            assertThat(RequestContext.destroyed.get()).isEqualTo(destroyedBefore);
            release.countDown();
            owner.join(WAIT);
            await().atMost(WAIT).until(() -> scope.getLiveCount() == 0);
            assertThat(scope.getDestroyedCount()).isEqualTo(1);
            assertThat(RequestContext.destroyed.get()).isEqualTo(destroyedBefore + 1);
        });
    }

    @Test
    void aFiberThatOutlivesTheOwnerCannotUseItsBeans() {
        contextRunner.run(context -> {
            RequestContext proxy = context.getBean(RequestContext.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            CountDownLatch ownerEnded = new CountDownLatch(1);
            Fiber<Fiber<Integer>> owner = Fiber.builder().loop(group.loop(0)).start(() -> {
                proxy.id();
                return Fiber.spawn(() -> {
                    ownerEnded.await();
                    return proxy.id();
                });
            });
            Fiber<Integer> orphan = owner.join(WAIT);
            ownerEnded.countDown();
            assertThatThrownBy(() -> orphan.join(WAIT)).isInstanceOf(FiberFailedException.class)
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has ended")
                .hasMessageContaining("join it first (FiberGroup does)");
        });
    }

    @Test
    void backsOffForTheApplicationsOwnConfigurer() {
        contextRunner.withUserConfiguration(UserConfigurerConfiguration.class)
            .run(context -> assertThat(context.getBean(FiberScopeAutoConfiguration.FIBER_SCOPE_CONFIGURER_BEAN_NAME))
                .isSameAs(UserConfigurerConfiguration.CONFIGURER));
    }

    @Test
    void registersTheRequestFilterInServletApplications() {
        new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class, FiberScopeAutoConfiguration.class))
            .withPropertyValues("evergreen.loops=1")
            .run(context -> {
                FilterRegistrationBean<?> registration = context.getBean("evergreenFiberScopeFilter",
                        FilterRegistrationBean.class);
                assertThat(registration.getFilter()).isInstanceOf(FiberScopeFilter.class);
                assertThat(registration.getOrder()).isEqualTo(FiberScopeFilter.ORDER);
            });
        contextRunner.run(context -> assertThat(context).doesNotHaveBean("evergreenFiberScopeFilter"));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false").run(context -> {
            assertThat(context).hasNotFailed()
                .doesNotHaveBean(FiberScopeAutoConfiguration.FIBER_SCOPE_CONFIGURER_BEAN_NAME);
            assertThat(context.getBeanFactory().getRegisteredScope(FiberScope.NAME)).isNull();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class ScopedBeanConfiguration {

        @Bean
        @FiberScoped
        RequestContext requestContext() {
            return new RequestContext();
        }
    }

    static class RequestContext {

        private static final AtomicInteger ids = new AtomicInteger();

        static final AtomicInteger destroyed = new AtomicInteger();

        private final int id = ids.incrementAndGet();

        public int id() {
            return id;
        }

        @PreDestroy
        public void destroy() {
            destroyed.incrementAndGet();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserConfigurerConfiguration {

        static final CustomScopeConfigurer CONFIGURER = new CustomScopeConfigurer();

        @Bean(FiberScopeAutoConfiguration.FIBER_SCOPE_CONFIGURER_BEAN_NAME)
        static CustomScopeConfigurer myConfigurer() {
            CONFIGURER.addScope(FiberScope.NAME, new FiberScope());
            return CONFIGURER;
        }
    }
}
