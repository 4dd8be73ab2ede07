package io.evergreen.spring.autoconfigure;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

class EvergreenTaskExecutionAutoConfigurationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class,
                EvergreenTaskExecutionAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
        .withPropertyValues("evergreen.loops=2");

    @Test
    void applicationTaskExecutorRunsTasksOnFibersOfTheGroupAndBootsBacksOff() {
        contextRunner.run(context -> {
            assertThat(context).hasBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
                .doesNotHaveBean(ThreadPoolTaskExecutor.class);
            AsyncTaskExecutor executor = context.getBean(
                    TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME, AsyncTaskExecutor.class);
            EventLoopGroup group = context.getBean(EventLoopGroup.class);
            Fiber<?> fiber = executor.submitCompletable((java.util.concurrent.Callable<Fiber<?>>) Fiber::current).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(fiber).isNotNull();
            assertThat(fiber.loop().group()).isSameAs(group);
        });
    }

    @Test
    void asyncMethodsRunOnFibers() {
        contextRunner.withUserConfiguration(AsyncConfiguration.class).run(context -> {
            Fiber<?> fiber = context.getBean(AsyncService.class).currentFiber().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(fiber).isNotNull();
            assertThat(fiber.loop().group()).isSameAs(context.getBean(EventLoopGroup.class));
        });
    }

    @Test
    void theMdcOfTheSubmittingThreadFollowsTheTask() {
        contextRunner.run(context -> {
            AsyncTaskExecutor executor = context.getBean(
                    TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME, AsyncTaskExecutor.class);
            MDC.put("requestId", "r-7");
            try {
                assertThat(executor.submitCompletable(() -> MDC.get("requestId")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo("r-7");
            } finally {
                MDC.remove("requestId");
            }
        });
    }

    @Test
    void usesTheApplicationsTaskDecorator() {
        contextRunner.withBean(TaskDecorator.class, () -> task -> () -> {
            MDC.put("decorated", "yes");
            try {
                task.run();
            } finally {
                MDC.remove("decorated");
            }
        }).run(context -> {
            AsyncTaskExecutor executor = context.getBean(
                    TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME, AsyncTaskExecutor.class);
            assertThat(executor.submitCompletable(() -> MDC.get("decorated")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("yes");
        });
    }

    @Test
    void backsOffForTheApplicationsOwnApplicationTaskExecutor() {
        contextRunner.withUserConfiguration(UserApplicationTaskExecutorConfiguration.class)
            .run(context -> assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(SyncTaskExecutor.class));
    }

    @Test
    void backsOffForTheApplicationsOwnAsyncConfigurer() {
        contextRunner.withUserConfiguration(UserAsyncConfigurerConfiguration.class)
            .run(context -> assertThat(context).getBeans(AsyncConfigurer.class)
                .containsOnlyKeys("userAsyncConfigurer"));
    }

    @Test
    void whenDisabledSpringBootsOwnApplicationTaskExecutorIsBack() {
        contextRunner.withPropertyValues("evergreen.async.enabled=false")
            .run(context -> assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(ThreadPoolTaskExecutor.class));
    }

    @Test
    void backsOffWhenSpringBootsExecutorIsForced() {
        contextRunner.withPropertyValues("spring.task.execution.mode=force")
            .run(context -> assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(ThreadPoolTaskExecutor.class));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(ThreadPoolTaskExecutor.class));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncConfiguration {

        @Bean
        AsyncService asyncService() {
            return new AsyncService();
        }
    }

    static class AsyncService {

        @Async
        public CompletableFuture<Fiber<?>> currentFiber() {
            return CompletableFuture.completedFuture(Fiber.current());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserApplicationTaskExecutorConfiguration {

        @Bean
        Executor applicationTaskExecutor() {
            return new SyncTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserAsyncConfigurerConfiguration {

        @Bean
        AsyncConfigurer userAsyncConfigurer() {
            return new AsyncConfigurer() {
            };
        }
    }
}
