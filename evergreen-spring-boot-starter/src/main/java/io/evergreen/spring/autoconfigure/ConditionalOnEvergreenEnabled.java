package io.evergreen.spring.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Matches unless {@code evergreen.enabled} is {@code false}. A value that is not a boolean fails start-up
 * (see {@link ConditionalOnEvergreenFeature}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@ConditionalOnEvergreenFeature("evergreen.enabled")
public @interface ConditionalOnEvergreenEnabled {

}
