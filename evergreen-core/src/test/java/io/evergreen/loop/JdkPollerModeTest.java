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
 * The first group of {@link SchedulerMode#LOOP} selects the JDK's platform-thread socket pollers
 * ({@code jdk.pollerMode=1}) unless the user chose a mode; groups of {@link SchedulerMode#JDK} leave the JDK's own:
 * see {@link JdkPollerStarter}. The JDK reads the property once per JVM, so each case runs in a child JVM.
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
    void a_group_of_the_jdk_scheduler_leaves_the_jdks_own_poller_mode() throws Exception {
        // Which pollers that mode starts is the JDK's choice per OS (on Linux: virtual sub-pollers and a MasterPoller).
        List<String> printed = runProbe(List.of("-Dprobe.scheduler=JDK"), outputs.resolve("jdk-scheduler.txt"));

        assertThat(printed).contains("read through the poller", "pollerMode null");
    }

    @Test
    void a_first_loop_group_created_inside_a_virtual_thread_starts_platform_pollers_and_returns() throws Exception {
        // Initialised from the virtual thread itself, the JDK's sub-pollers would be virtual threads too: the pollers
        // must be started from a platform thread, and the group's creation must not wait for itself doing so.
        List<String> printed = runProbe(List.of("-Dprobe.inVirtualThread=true"), outputs.resolve("in-virtual.txt"));

        assertThat(printed).contains("read through the poller", "pollerMode 1");
        assertThat(printed).filteredOn(line -> line.startsWith("pollers "))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("Read-Poller").doesNotContain("MasterPoller"));
    }

    @Test
    void the_first_use_of_the_hook_inside_a_virtual_thread_returns() throws Exception {
        // In SchedulerMode.JDK nothing touches the hook before a fiber asks for its binding. The hook's initialisation
        // once started the pollers from a platform thread that needed that initialisation to finish: a deadlock.
        List<String> printed = ChildJvm.run(FirstTouchInVirtualThreadProbe.class,
                List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), outputs.resolve("first-touch.txt"));

        assertThat(printed).contains("fiber found itself true", "pollerMode null");
    }

    private static List<String> runProbe(List<String> jvmOptions, Path output) throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        options.addAll(jvmOptions);
        return ChildJvm.run(JdkPollerModeProbe.class, options, output);
    }
}
