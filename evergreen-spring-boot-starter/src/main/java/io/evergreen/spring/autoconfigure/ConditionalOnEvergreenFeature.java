package io.evergreen.spring.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches unless the on/off property {@link #value()} ({@code evergreen.enabled}, {@code evergreen.web.enabled},
 * {@code evergreen.async.enabled}) is false. The value is read the way {@link EvergreenProperties} binds it, so
 * that the condition and the properties never disagree: {@code yes}, {@code on} and {@code 1} mean true as they
 * do to the binder, and a value that is no boolean at all ({@code evergreen.enabled=ture}) fails start-up with
 * {@link EvergreenPropertiesFailureAnalyzer}'s report. Spring Boot's {@code @ConditionalOnBooleanProperty} compares
 * the text with "true" instead: a typo there switches Evergreen off without a word.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnEvergreenFeatureCondition.class)
@interface ConditionalOnEvergreenFeature {

    /** The property's name, such as {@code evergreen.web.enabled}. */
    String value();
}
