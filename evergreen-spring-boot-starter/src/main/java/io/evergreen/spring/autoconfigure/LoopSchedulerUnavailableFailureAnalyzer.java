package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.JdkVirtualThreadHook;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Reports that the {@code loop} scheduler cannot run in this JVM: the {@link IllegalStateException} that
 * {@code JdkVirtualThreadHook.check()} throws when {@code --add-opens java.base/java.lang=ALL-UNNAMED} is
 * missing (or when the JDK lacks the internal factory the hook was built against).
 */
final class LoopSchedulerUnavailableFailureAnalyzer implements FailureAnalyzer, Ordered {

    static final String FLAG = "--add-opens java.base/java.lang=ALL-UNNAMED";

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable candidate = failure; candidate != null; candidate = next(candidate)) {
            if (candidate instanceof IllegalStateException ex && thrownByHook(ex)) {
                return analyze(ex);
            }
        }
        return null;
    }

    private static Throwable next(Throwable throwable) {
        Throwable cause = throwable.getCause();
        return cause != throwable ? cause : null;
    }

    private static boolean thrownByHook(IllegalStateException ex) {
        StackTraceElement[] stack = ex.getStackTrace();
        return stack.length > 0 && JdkVirtualThreadHook.class.getName().equals(stack[0].getClassName());
    }

    private static FailureAnalysis analyze(IllegalStateException ex) {
        String message = String.valueOf(ex.getMessage());
        if (message.contains("--add-opens")) {
            return new FailureAnalysis("""
                    Evergreen could not start its event loops. The 'loop' scheduler (evergreen.scheduler=loop, the \
                    default) makes each event loop the scheduler of its fibers through a JDK-internal factory in \
                    java.lang, and this JVM was started without opening java.lang to it.""", """
                    Start the JVM with the option

                        %s

                    (for 'java -jar', the manifest attribute 'Add-Opens: java.base/java.lang' does the same; for \
                    tests, add the option to the test JVM's arguments), or set evergreen.scheduler=jdk to run fibers \
                    as virtual threads on the JDK's default scheduler, which needs no option but gives up loop \
                    affinity.""".formatted(FLAG), ex);
        }
        return new FailureAnalysis("Evergreen could not start its event loops: " + message, """
                Run the application on JDK 25, which the 'loop' scheduler was built against, or set \
                evergreen.scheduler=jdk to run fibers as virtual threads on the JDK's default scheduler.""", ex);
    }

    @Override
    public int getOrder() {
        return 0;
    }
}
