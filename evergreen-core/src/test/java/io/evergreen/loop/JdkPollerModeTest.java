package io.evergreen.loop;

import io.evergreen.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Evergreen selects the JDK's platform-thread socket pollers ({@code jdk.pollerMode=1}) unless the user chose a
 * mode: see {@link JdkVirtualThreadHook}. The JDK reads the property once per JVM, so each case runs
 * {@link JdkPollerModeProbe} in a child JVM.
 */
class JdkPollerModeTest {

    @TempDir
    Path outputs;

    @Test
    void by_default_a_fiber_waits_on_a_jdk_socket_through_platform_poller_threads() throws Exception {
        List<String> printed = runProbe(List.of(), outputs.resolve("default.txt"));

        assertThat(printed).contains("read through the poller", "pollerMode 1");
        assertThat(printed).filteredOn(line -> line.startsWith("pollers "))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("Read-Poller").doesNotContain("MasterPoller"));
    }

    @Test
    void a_poller_mode_the_user_chose_is_kept() throws Exception {
        List<String> printed = runProbe(List.of("-Djdk.pollerMode=2"), outputs.resolve("user-choice.txt"));

        assertThat(printed).contains("read through the poller", "pollerMode 2");
        assertThat(printed).filteredOn(line -> line.startsWith("pollers "))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("MasterPoller"));
    }

    @Test
    void the_first_use_of_the_hook_inside_a_virtual_thread_still_starts_the_pollers_and_returns() throws Exception {
        // In SchedulerMode.JDK nothing touches the hook before a fiber asks for its binding: the hook then starts the
        // pollers from a platform thread, which must not need the hook's own initialisation to finish first.
        List<String> printed = ChildJvm.run(FirstTouchInVirtualThreadProbe.class,
                List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), outputs.resolve("first-touch.txt"));

        assertThat(printed).contains("fiber found itself true", "pollerMode 1");
    }

    private static List<String> runProbe(List<String> jvmOptions, Path output) throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        options.addAll(jvmOptions);
        return ChildJvm.run(JdkPollerModeProbe.class, options, output);
    }
}
