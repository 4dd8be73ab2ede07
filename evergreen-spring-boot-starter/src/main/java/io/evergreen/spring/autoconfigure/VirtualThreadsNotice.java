package io.evergreen.spring.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;

/**
 * Says once, at INFO, that Evergreen takes over from {@code spring.threads.virtual.enabled=true} where both
 * want the same job: Evergreen's customizers and executor are ordered after Boot's virtual-thread ones.
 */
final class VirtualThreadsNotice implements SmartInitializingSingleton {

    private static final Log logger = LogFactory.getLog(EvergreenAutoConfiguration.class);

    private final Environment environment;

    VirtualThreadsNotice(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<String> takenOver = new ArrayList<>(2);
        if (environment.getProperty("evergreen.web.enabled", Boolean.class, true)) {
            takenOver.add("the embedded web server's requests");
        }
        if (environment.getProperty("evergreen.async.enabled", Boolean.class, true)) {
            takenOver.add("@Async and MVC async tasks (applicationTaskExecutor)");
        }
        if (takenOver.isEmpty()) {
            return;
        }
        logger.info("spring.threads.virtual.enabled=true and Evergreen are both on: Evergreen's fibers run "
                + String.join(" and ", takenOver) + " instead of Spring Boot's virtual threads; other users of "
                + "virtual threads keep them");
    }
}
