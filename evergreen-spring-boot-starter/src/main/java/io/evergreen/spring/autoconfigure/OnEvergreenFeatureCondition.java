package io.evergreen.spring.autoconfigure;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The condition of {@link ConditionalOnEvergreenFeature}. A class may carry it twice, directly and through
 * {@link ConditionalOnEvergreenEnabled}: every such property must be on. A value the binder cannot read as a
 * boolean throws its {@code BindException}, which Spring wraps and start-up reports.
 */
final class OnEvergreenFeatureCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        List<String> names = metadata.getAnnotations()
            .stream(ConditionalOnEvergreenFeature.class)
            .map(annotation -> annotation.getString("value"))
            .distinct()
            .toList();
        ConditionMessage.Builder message = ConditionMessage.forCondition(ConditionalOnEvergreenFeature.class, names);
        for (String name : names) {
            if (!binder.bind(name, Boolean.class).orElse(true)) {
                return ConditionOutcome.noMatch(message.because(name + " is false"));
            }
        }
        return ConditionOutcome.match(message.because("on"));
    }
}
