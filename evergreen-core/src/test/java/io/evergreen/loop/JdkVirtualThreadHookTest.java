package io.evergreen.loop;

import io.evergreen.testing.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

    private static List<String> runProbe(List<String> jvmOptions, Path output) throws IOException, InterruptedException {
        return ChildJvm.run(SchedulerModeProbe.class, jvmOptions, output);
    }
}
