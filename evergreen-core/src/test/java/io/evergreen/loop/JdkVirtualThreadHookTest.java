package io.evergreen.loop;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loop scheduler needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}. Surefire passes it to this
 * JVM, so these tests run {@link SchedulerModeProbe} in a child JVM (this JDK, this class path) without it,
 * and once with it to show that the flag is what makes the difference.
 */
@Timeout(120)
class JdkVirtualThreadHookTest {

    private static final String ADD_OPENS = "--add-opens java.base/java.lang=ALL-UNNAMED";

    @TempDir
    static Path outputs;

    private static List<String> withoutFlag;

    @BeforeAll
    static void runProbeWithoutTheFlag() throws Exception {
        withoutFlag = runProbe(List.of(), outputs.resolve("without-flag.txt"));
    }

    @Test
    void without_the_add_opens_flag_the_loop_scheduler_fails_naming_the_flag_and_the_jdk_mode() {
        assertThat(withoutFlag).filteredOn(line -> line.startsWith("LOOP "))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .startsWith("LOOP failed java.lang.IllegalStateException")
                        .contains(ADD_OPENS)
                        .contains("SchedulerMode.JDK"));
    }

    @Test
    void without_the_add_opens_flag_the_jdk_scheduler_mode_runs_fibers() {
        assertThat(withoutFlag).contains("JDK ok fiber ran");
    }

    @Test
    void with_the_add_opens_flag_the_loop_scheduler_runs_fibers() throws Exception {
        List<String> withFlag = runProbe(List.of(ADD_OPENS.split(" ")), outputs.resolve("with-flag.txt"));

        assertThat(withFlag).contains("LOOP ok fiber ran", "JDK ok fiber ran");
    }

    /** Runs the probe in a child JVM with only the given options; returns what it printed, line by line. */
    private static List<String> runProbe(List<String> jvmOptions, Path output) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SchedulerModeProbe.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        // Options from the environment would reach the child too: it must see only ours.
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("_JAVA_OPTIONS");
        Process child = builder.start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("The child JVM did not exit; it printed:\n" + Files.readString(output));
        }
        String printed = Files.readString(output);
        assertThat(child.exitValue()).as("exit status of %s, which printed:%n%s", command, printed).isZero();
        return printed.lines().toList();
    }
}
