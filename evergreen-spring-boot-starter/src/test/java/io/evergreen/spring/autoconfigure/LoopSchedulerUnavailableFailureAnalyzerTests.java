package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.JdkVirtualThreadHook;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

class LoopSchedulerUnavailableFailureAnalyzerTests {

    /** The message of JdkVirtualThreadHook.check() without the flag (checked for real in the forked JVM below). */
    private static final String CORE_MESSAGE = "Evergreen's LOOP scheduler needs the JVM option "
            + "'--add-opens java.base/java.lang=ALL-UNNAMED' (or the jar manifest attribute "
            + "'Add-Opens: java.base/java.lang'). Add it, or choose the JDK scheduler mode "
            + "(SchedulerMode.JDK, property evergreen.scheduler=jdk), which needs no flag but gives up "
            + "loop affinity and the one-fiber-at-a-time guarantee.";

    private static final String DESCRIPTION = "Evergreen could not start its event loops. The 'loop' scheduler "
            + "(evergreen.scheduler=loop, the default) makes each event loop the scheduler of its fibers through a "
            + "JDK-internal factory in java.lang, and this JVM was started without opening java.lang to it.";

    private static final String ACTION = """
            Start the JVM with the option

                --add-opens java.base/java.lang=ALL-UNNAMED

            (for 'java -jar', the manifest attribute 'Add-Opens: java.base/java.lang' does the same; for tests, \
            add the option to the test JVM's arguments), or set evergreen.scheduler=jdk to run fibers as virtual \
            threads on the JDK's default scheduler, which needs no option but gives up loop affinity.""";

    private final LoopSchedulerUnavailableFailureAnalyzer analyzer = new LoopSchedulerUnavailableFailureAnalyzer();

    @Test
    void missingAddOpens() {
        BeanCreationException failure = new BeanCreationException("evergreenEventLoopGroup", "Failed to instantiate",
                thrownByTheHook(CORE_MESSAGE));
        FailureAnalysis analysis = analyzer.analyze(failure);
        assertThat(analysis.getDescription()).isEqualTo(DESCRIPTION);
        assertThat(analysis.getAction()).isEqualTo(ACTION);
    }

    @Test
    void jdkWithoutTheInternalFactory() {
        FailureAnalysis analysis = analyzer.analyze(thrownByTheHook("This JDK (26) lacks "
                + "java.lang.ThreadBuilders.newVirtualThread(Executor, String, int, Runnable)"));
        assertThat(analysis.getDescription()).isEqualTo("Evergreen could not start its event loops: This JDK (26) "
                + "lacks java.lang.ThreadBuilders.newVirtualThread(Executor, String, int, Runnable)");
        assertThat(analysis.getAction()).isEqualTo("Run the application on JDK 25, which the 'loop' scheduler was "
                + "built against, or set evergreen.scheduler=jdk to run fibers as virtual threads on the JDK's default "
                + "scheduler.");
    }

    @Test
    void otherIllegalStateExceptionsAreNotOurs() {
        assertThat(analyzer.analyze(new IllegalStateException("--add-opens something else"))).isNull();
    }

    /**
     * The real thing: a JVM started without the flag, running an application with Evergreen. Spring Boot prints
     * this analysis, not a stack trace.
     */
    @Test
    void aJvmWithoutTheFlagFailsToStartWithThisReport(@TempDir Path temp) throws Exception {
        Path log = temp.resolve("out.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                NoFlagApplication.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains(DESCRIPTION)
            .contains(ACTION)
            .doesNotContain("\tat io.evergreen");
    }

    private static IllegalStateException thrownByTheHook(String message) {
        IllegalStateException ex = new IllegalStateException(message);
        ex.setStackTrace(new StackTraceElement[] {
                new StackTraceElement(JdkVirtualThreadHook.class.getName(), "check", "JdkVirtualThreadHook.java", 75) });
        return ex;
    }

    /** Run in a JVM of its own, without --add-opens. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(EvergreenAutoConfiguration.class)
    static class NoFlagApplication {

        public static void main(String[] args) {
            new SpringApplicationBuilder(NoFlagApplication.class).web(WebApplicationType.NONE).run(args);
        }
    }
}
