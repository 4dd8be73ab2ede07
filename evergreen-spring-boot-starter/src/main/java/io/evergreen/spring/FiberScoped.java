package io.evergreen.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.core.annotation.AliasFor;

/**
 * {@code @FiberScoped} is a specialization of {@link Scope @Scope} for a component whose life cycle is
 * bound to the current fiber and the fibers it spawns: one instance per request served by Evergreen (or
 * per root fiber elsewhere), shared with the fibers the request starts through {@code Fiber.spawn},
 * {@code FiberGroup} or {@code @Async}, and destroyed when the request (or the root fiber) ends.
 * <p>
 * Specifically, {@code @FiberScoped} is a <em>composed annotation</em> that acts as a shortcut for
 * {@code @Scope("fiber")} with the default {@link #proxyMode} set to {@link ScopedProxyMode#TARGET_CLASS
 * TARGET_CLASS}, as {@code @RequestScope} does for the request scope.
 * <p>
 * {@code @FiberScoped} may be used as a meta-annotation to create custom composed annotations.
 *
 * @see FiberScope
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Scope(FiberScope.NAME)
public @interface FiberScoped {

    /**
     * Alias for {@link Scope#proxyMode}.
     * <p>
     * Defaults to {@link ScopedProxyMode#TARGET_CLASS}.
     */
    @AliasFor(annotation = Scope.class)
    ScopedProxyMode proxyMode() default ScopedProxyMode.TARGET_CLASS;
}
