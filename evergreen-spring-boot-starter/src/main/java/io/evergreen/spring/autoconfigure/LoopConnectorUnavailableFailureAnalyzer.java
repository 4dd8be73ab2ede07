package io.evergreen.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports {@code evergreen.web.connector=loop} on a server it cannot serve, and the way back to Tomcat's own
 * connector.
 */
final class LoopConnectorUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<LoopConnectorUnavailableException>
        implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, LoopConnectorUnavailableException cause) {
        String action = """
                Set evergreen.web.connector to 'nio' (the default): Tomcat's own connector then polls the \
                connections, and every request still runs on a fiber. The loop connector serves plain HTTP/1.1 on \
                loops that poll java.nio channels (the default loops).""";
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }

    @Override
    public int getOrder() {
        return 0;
    }
}
