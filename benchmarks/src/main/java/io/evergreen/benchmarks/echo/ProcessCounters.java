package io.evergreen.benchmarks.echo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and context switches of a process, read from {@code /proc} (Linux), so that the harness can
 * say how much CPU each server spends per message, and how often its threads sleep.
 * @param cpuSeconds user + system time of all its threads, living and ended
 * @param voluntarySwitches voluntary context switches of its living threads (sleeps: waiting in a poll, a futex)
 * @param involuntarySwitches involuntary context switches of its living threads (preemptions)
 */
record ProcessCounters(double cpuSeconds, long voluntarySwitches, long involuntarySwitches) {

    /** Clock ticks per second of /proc/PID/stat; 100 on every Linux this harness will meet. */
    private static final double TICKS_PER_SECOND = 100.0;

    static ProcessCounters of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
            long voluntary = 0;
            long involuntary = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
                for (Path task : tasks) {
                    try {
                        for (String line : Files.readAllLines(task.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches:")) {
                                voluntary += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                                involuntary += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            }
                        }
                    } catch (IOException threadEnded) {
                        // The thread ended while we listed the others.
                    }
                }
            }
            return new ProcessCounters(cpu, voluntary, involuntary);
        } catch (IOException | RuntimeException unavailable) {
            return new ProcessCounters(Double.NaN, -1, -1);
        }
    }

    /**
     * CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal: all CPUs), from
     * {@code /proc/stat}: what this machine's other tenants used is this minus the server's and the client's.
     */
    static double machineBusySeconds() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                            + Long.parseLong(f[7]) + Long.parseLong(f[8]);
                    return busy / TICKS_PER_SECOND;
                }
            }
        } catch (IOException | RuntimeException unavailable) {
            // Not Linux: no figure.
        }
        return Double.NaN;
    }

    ProcessCounters minus(ProcessCounters earlier) {
        return new ProcessCounters(cpuSeconds - earlier.cpuSeconds, voluntarySwitches - earlier.voluntarySwitches,
                involuntarySwitches - earlier.involuntarySwitches);
    }
}
