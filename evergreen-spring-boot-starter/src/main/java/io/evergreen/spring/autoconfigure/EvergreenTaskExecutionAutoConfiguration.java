package io.evergreen.spring.autoconfigure;

import io.evergreen.spring.FiberExecutor;

import java.util.concurrent.Executor;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.core.task.support.TaskExecutorAdapter;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of the {@code applicationTaskExecutor} on fibers: {@code @Async} methods and Spring MVC
 * async requests ({@code Callable}, {@code DeferredResult} work submitted to it) run on the
 * {@link FiberExecutor}. Ordered before {@link TaskExecutionAutoConfiguration}, which then backs off.
 * <p>
 * Tasks are decorated with the application's {@link TaskDecorator} bean if it has exactly one, else, when
 * Micrometer's context-propagation library is present, with {@link ContextPropagatingTaskDecorator}, so that
 * the MDC and the current observation follow a task from the thread that submitted it.
 * <p>
 * Backs off when {@code spring.task.execution.mode=force} asks for Spring Boot's own executor.
 */
@AutoConfiguration(before = TaskExecutionAutoConfiguration.class)
@ConditionalOnEvergreenEnabled
@ConditionalOnEvergreenFeature("evergreen.async.enabled")
@ConditionalOnProperty(name = "spring.task.execution.mode", havingValue = "auto", matchIfMissing = true)
public final class EvergreenTaskExecutionAutoConfiguration {

    private static final boolean CONTEXT_PROPAGATION_PRESENT = ClassUtils.isPresent(
            "io.micrometer.context.ContextSnapshotFactory", EvergreenTaskExecutionAutoConfiguration.class.getClassLoader());

    @Bean(name = TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
    @ConditionalOnMissingBean(name = TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
    AsyncTaskExecutor applicationTaskExecutor(FiberExecutor fiberExecutor, ObjectProvider<TaskDecorator> taskDecorator) {
        TaskExecutorAdapter executor = new TaskExecutorAdapter(fiberExecutor);
        TaskDecorator decorator = taskDecorator.getIfUnique(EvergreenTaskExecutionAutoConfiguration::defaultDecorator);
        if (decorator != null) {
            executor.setTaskDecorator(decorator);
        }
        return executor;
    }

    private static TaskDecorator defaultDecorator() {
        if (!CONTEXT_PROPAGATION_PRESENT) {
            return null;
        }
        ContextPropagation.registerMdc();
        return new ContextPropagatingTaskDecorator();
    }

    /**
     * Points {@code @EnableAsync} at {@code applicationTaskExecutor}, as Spring Boot does for its own: other
     * {@code Executor} beans (the {@link FiberExecutor} among them) would otherwise make the choice ambiguous.
     */
    @Bean
    @ConditionalOnMissingBean(AsyncConfigurer.class)
    AsyncConfigurer evergreenAsyncConfigurer(BeanFactory beanFactory) {
        return new AsyncConfigurer() {

            @Override
            public Executor getAsyncExecutor() {
                return beanFactory.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME,
                        Executor.class);
            }
        };
    }
}
