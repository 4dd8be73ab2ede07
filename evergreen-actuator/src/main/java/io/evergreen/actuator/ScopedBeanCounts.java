package io.evergreen.actuator;

import io.evergreen.spring.FiberScope;

import org.springframework.beans.factory.config.ConfigurableBeanFactory;

/**
 * The counters of the application's {@code "fiber"} scope ({@code @FiberScoped} beans), read through the bean
 * factory that registered it; zeros when the scope is not registered.
 */
public final class ScopedBeanCounts {

    private final ConfigurableBeanFactory beanFactory;

    public ScopedBeanCounts(ConfigurableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    private FiberScope scope() {
        return beanFactory.getRegisteredScope(FiberScope.NAME) instanceof FiberScope scope ? scope : null;
    }

    public boolean isAvailable() {
        return scope() != null;
    }

    /** Beans alive in fibers now. */
    public long live() {
        FiberScope scope = scope();
        return scope == null ? 0 : scope.getLiveCount();
    }

    public long created() {
        FiberScope scope = scope();
        return scope == null ? 0 : scope.getCreatedCount();
    }

    public long destroyed() {
        FiberScope scope = scope();
        return scope == null ? 0 : scope.getDestroyedCount();
    }
}
