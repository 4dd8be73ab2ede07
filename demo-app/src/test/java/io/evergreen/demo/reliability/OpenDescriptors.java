package io.evergreen.demo.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The process's open file descriptors, counted in {@code /proc/self/fd} (Linux). A count is a moment's: tests
 * await it rather than read it once (a closed channel keeps its descriptor until its selector's next poll).
 */
final class OpenDescriptors {

    private static final Path FD_DIRECTORY = Path.of("/proc/self/fd");
    private static final int LISTED_AT_MOST = 200;

    private OpenDescriptors() {
    }

    /** Skips the calling test where descriptors cannot be counted (not Linux). */
    static void assumeCountable() {
        assumeThat(Files.isDirectory(FD_DIRECTORY)).as("/proc/self/fd is readable").isTrue();
    }

    /** The number open right now (the listing's own descriptor included, every time). */
    static long count() {
        try (Stream<Path> entries = Files.list(FD_DIRECTORY)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What is open, one {@code fd -> target} a line (the first 200): for a failure's message. */
    static String describe() {
        try (Stream<Path> entries = Files.list(FD_DIRECTORY)) {
            return entries.limit(LISTED_AT_MOST).map(fd -> {
                try {
                    return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    return fd.getFileName() + " (closed meanwhile)";
                }
            }).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(cannot list: " + e + ")";
        }
    }
}
