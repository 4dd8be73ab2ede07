package io.evergreen.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code evergreen.web.max-in-flight} has a value as the binder reads it: an empty one
 * ({@code evergreen.web.max-in-flight=}) binds to no limit, where {@code @ConditionalOnProperty} would see a value
 * and the filter would get none. Guards the servlet and the WebFlux filter alike.
 */
final class MaxInFlightSetCondition extends SpringBootCondition {

    static final String PROPERTY = "evergreen.web.max-in-flight";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConditionMessage.Builder message = ConditionMessage.forCondition(PROPERTY);
        return Binder.get(context.getEnvironment()).bind(PROPERTY, Integer.class).isBound()
                ? ConditionOutcome.match(message.because("set"))
                : ConditionOutcome.noMatch(message.because("not set"));
    }
}
