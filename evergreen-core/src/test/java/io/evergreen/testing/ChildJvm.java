package io.evergreen.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a main class in a child JVM (this JDK, this class path, only the given JVM options) for what one JVM can
 * show only once: a JDK property read at class initialisation, a missing {@code --add-opens}.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * Runs {@code mainClass} and returns what it printed, line by line; fails unless it exits with 0 within a minute.
     * @param output where its standard output and error go (kept for the failure message)
     */
    public static List<String> run(Class<?> mainClass, List<String> jvmOptions, Path output)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
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
