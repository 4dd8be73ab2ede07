package io.evergreen.benchmarks.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Echo load harness for the "Echo over TcpStream" bar of DESIGN.md section 6 (issue 3): evergreen
 * {@code TcpServer} fibers vs JDK blocking sockets on default virtual threads vs Netty NIO, all driven by
 * one {@link EchoClient}.
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     io.evergreen.benchmarks.echo.EchoBenchmark run [options]      # the whole matrix, servers in child JVMs
 * ... EchoBenchmark server --server evergreen|jdk-vt|netty [--port 0] # one server, for profiling
 * ... EchoBenchmark client --port P --connections C --size S         # one measurement against it
 * </pre>
 * {@code run} starts each server in a JVM of its own (same flags for all three) and keeps it for the whole
 * run; this JVM is the client. It first warms every server JVM (and itself) by cycling through all cells for
 * {@code --jit-warmup} seconds per server, then for each cell (size, connections) runs {@code --rounds}
 * rounds, each round measuring every server once in a rotated order (A B C, B C A, C A B, ...), each
 * measurement being fresh connections, {@code --warmup} seconds unrecorded and {@code --duration} seconds
 * recorded. It writes every measurement to {@code --raw} (CSV) and the medians to {@code --report}
 * (Markdown).
 */
public final class EchoBenchmark {

    private static final PrintStream LOG = System.err;

    private EchoBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        Options options = Options.parse(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        switch (command) {
            case "run" -> runMatrix(options);
            case "server" -> serve(options);
            case "client" -> measureOnce(options);
            default -> {
                LOG.println("""
                        usage: EchoBenchmark run|server|client [--option value ...]
                          run:    --servers evergreen,jdk-vt,netty (or label:kind:classpath) --connections 1,100,1000 --sizes 64,16384
                                  --rounds 3 --warmup 2 --duration 8 --jit-warmup 24 --client-threads 1
                                  --engine auto|blocking|nio --server-threads <CPUs> --heap-buffers false
                                  --server-jvm "-Xms1g -Xmx1g" --raw echo-raw.csv --report echo-report.md
                                  --max-foreign-cpus 0.10 --max-attempts 3 --quiet-wait 30
                          server: --server evergreen|jdk-vt|netty --port 0 --server-threads <CPUs> --heap-buffers false
                          client: --host 127.0.0.1 --port P --connections 100 --size 64 --warmup 2 --duration 8
                                  --engine auto|blocking|nio --client-threads 1""");
                System.exit(command.equals("help") ? 0 : 2);
            }
        }
    }

    // ---------------------------------------------------------------- server process

    /**
     * Serves until standard input ends. Prints {@code LISTENING <port>}, then answers each {@code counters}
     * line with {@code COUNTERS name=delta ...}: the server's counters since the previous request.
     */
    private static void serve(Options options) throws Exception {
        EchoServer.Kind kind = EchoServer.Kind.parse(options.get("server", "evergreen"));
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), options.getInt("port", 0));
        try (EchoServer server = kind.start(address, options.getInt("server-threads", cpus()),
                !options.getBoolean("heap-buffers", false))) {
            System.out.println("LISTENING " + server.localAddress().getPort());
            System.out.flush();
            Map<String, Long> previous = server.counters();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.trim().equals("counters")) {
                    Map<String, Long> now = server.counters();
                    StringBuilder reply = new StringBuilder("COUNTERS");
                    for (Map.Entry<String, Long> counter : now.entrySet()) {
                        reply.append(' ').append(counter.getKey()).append('=')
                                .append(counter.getValue() - previous.getOrDefault(counter.getKey(), 0L));
                    }
                    previous = now;
                    System.out.println(reply);
                    System.out.flush();
                }
            }
        }
    }

    // ---------------------------------------------------------------- one measurement

    private static void measureOnce(Options options) throws Exception {
        InetSocketAddress target = new InetSocketAddress(options.get("host", "127.0.0.1"), options.getInt("port", -1));
        int connections = options.getInt("connections", 100);
        EchoClient client = new EchoClient(target, connections, options.getInt("size", 64),
                engine(options, connections), options.getInt("client-threads", 1));
        ProcessCounters before = ProcessCounters.of(ProcessHandle.current().pid());
        LoadResult result = client.run(options.getDouble("warmup", 2), options.getDouble("duration", 8), () -> { }, () -> { });
        ProcessCounters clientUse = ProcessCounters.of(ProcessHandle.current().pid()).minus(before);
        System.out.printf(Locale.ROOT, "%d conns x %d B: %.0f msg/s  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f us  (client cpu %.2f s)%n",
                connections, options.getInt("size", 64), result.messagesPerSecond(), result.percentileMicros(50),
                result.percentileMicros(99), result.percentileMicros(99.9), result.maxMicros(), clientUse.cpuSeconds());
    }

    private static EchoClient.Engine engine(Options options, int connections) {
        String engine = options.get("engine", "auto");
        return engine.equals("auto") ? EchoClient.defaultEngine(connections)
                : EchoClient.Engine.valueOf(engine.toUpperCase(Locale.ROOT));
    }

    // ---------------------------------------------------------------- the matrix

    private record Cell(int size, int connections) {
    }

    /** One measurement of one server in one cell. */
    private record Row(String server, Cell cell, int round, int position, LoadResult load, ProcessCounters serverUse,
                       ProcessCounters clientUse, double foreignCpus, int attempts, String serverCounters) {

        /** The row with its round and position set. */
        Row at(int round, int position, int attempts) {
            return new Row(server, cell, round, position, load, serverUse, clientUse, foreignCpus, attempts, serverCounters);
        }

        double rate() {
            return load.messagesPerSecond();
        }

        double p99() {
            return load.percentileMicros(99);
        }

        double max() {
            return load.maxMicros();
        }

        /** Server CPU microseconds per echoed message. */
        double serverCpuMicrosPerMessage() {
            return serverUse.cpuSeconds() * 1e6 / load.roundTrips();
        }

        double clientCpuMicrosPerMessage() {
            return clientUse.cpuSeconds() * 1e6 / load.roundTrips();
        }

        double serverSwitchesPerMessage() {
            return (double) (serverUse.voluntarySwitches() + serverUse.involuntarySwitches()) / load.roundTrips();
        }
    }

    /** A server JVM of the run: started once, kept for every cell. */
    private static final class ServerProcess {
        final String name;
        final Process process;
        final InetSocketAddress address;
        final BufferedReader out;
        final Writer in;

        ServerProcess(String name, List<String> command, Path log) throws IOException {
            this.name = name;
            this.process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            this.out = process.inputReader(StandardCharsets.UTF_8);
            this.in = process.outputWriter(StandardCharsets.UTF_8);
            String first = out.readLine();
            if (first == null || !first.startsWith("LISTENING ")) {
                throw new IOException(name + " server did not start (" + first + "); see " + log);
            }
            this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(first.substring("LISTENING ".length()).trim()));
        }

        String counters() {
            try {
                in.write("counters\n");
                in.flush();
                String line = out.readLine();
                return line == null ? "" : line.substring("COUNTERS".length()).trim();
            } catch (IOException e) {
                return "unavailable: " + e;
            }
        }

        /** Closes the server's standard input, which ends it; kills it if it has not ended within 10 s. */
        void stop() throws InterruptedException {
            try {
                in.close();
            } catch (IOException ignored) {
                // It is going away anyway.
            }
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void runMatrix(Options options) throws Exception {
        List<String> servers = options.getList("servers", "evergreen,jdk-vt,netty");
        List<Integer> connectionCounts = options.getList("connections", "1,100,1000").stream().map(Integer::parseInt).toList();
        List<Integer> sizes = options.getList("sizes", "64,16384").stream().map(Integer::parseInt).toList();
        int rounds = options.getInt("rounds", 3);
        double warmup = options.getDouble("warmup", 2);
        double duration = options.getDouble("duration", 8);
        double jitWarmup = options.getDouble("jit-warmup", 24);
        int clientThreads = options.getInt("client-threads", 1);
        int serverThreads = options.getInt("server-threads", cpus());
        Path raw = Path.of(options.get("raw", "echo-raw.csv"));
        Path report = Path.of(options.get("report", "echo-report.md"));
        double maxForeign = options.getDouble("max-foreign-cpus", 0.10);
        int maxAttempts = options.getInt("max-attempts", 3);
        double quietWaitSeconds = options.getDouble("quiet-wait", 30);
        List<String> serverJvm = List.of(options.get("server-jvm", "-Xms1g -Xmx1g").trim().split("\\s+"));

        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        List<Cell> cells = new ArrayList<>();
        for (int size : sizes) {
            for (int connections : connectionCounts) {
                cells.add(new Cell(size, connections));
            }
        }
        LOG.printf(Locale.ROOT, "echo: %d servers x %d cells x %d rounds, warm-up %.0f s + %.0f s per measurement, "
                        + "%.0f s JIT warm-up per server; about %.0f min%n", servers.size(), cells.size(), rounds, warmup,
                duration, jitWarmup, (servers.size() * (jitWarmup + cells.size() * rounds * (warmup + duration + 0.3))) / 60);

        Map<String, ServerProcess> processes = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        long runStart = System.nanoTime();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(raw, StandardCharsets.UTF_8))) {
            csv.println("server,size,connections,round,position,msgs_per_s,round_trips,seconds,p50_us,p90_us,p99_us,"
                    + "p999_us,max_us,server_cpu_s,client_cpu_s,server_vcsw,server_ivcsw,foreign_cpus,attempts,server_counters");
            for (String server : servers) {
                // An entry is a server kind, or label:kind:classpath to compare a build of evergreen from elsewhere
                // (a scratch copy with a core change) under its own label.
                String[] spec = server.split(":", 3);
                List<String> command = new ArrayList<>();
                command.add(java);
                command.add("--add-opens");
                command.add("java.base/java.lang=ALL-UNNAMED");
                command.addAll(serverJvm);
                command.addAll(List.of("-cp", spec.length == 3 ? spec[2] : classpath, EchoBenchmark.class.getName(),
                        "server", "--server", spec.length >= 2 ? spec[1] : spec[0],
                        "--server-threads", Integer.toString(serverThreads),
                        "--heap-buffers", Boolean.toString(options.getBoolean("heap-buffers", false))));
                Path log = raw.resolveSibling(raw.getFileName() + "." + spec[0] + ".log");
                processes.put(spec[0], new ServerProcess(spec[0], command, log));
                LOG.println("echo: started " + spec[0] + " (pid " + processes.get(spec[0]).process.pid() + ") on "
                        + processes.get(spec[0]).address + ": " + String.join(" ", command));
            }
            servers = servers.stream().map(server -> server.split(":", 3)[0]).toList();
            // JIT warm-up: every server through every cell, so that no compiled path is first met while measured.
            for (String server : servers) {
                double perCell = jitWarmup / cells.size();
                for (Cell cell : cells) {
                    measure(processes.get(server), cell, clientThreads, options, 0, perCell, 0, 0);
                }
                LOG.printf(Locale.ROOT, "echo: warmed %s (%.0f s)%n", server, jitWarmup);
            }
            for (Cell cell : cells) {
                for (int round = 1; round <= rounds; round++) {
                    for (int position = 0; position < servers.size(); position++) {
                        String server = servers.get((position + round - 1) % servers.size());
                        Row row = null;
                        int attempts = 0;
                        // A shared machine: a window in which other tenants used more than maxForeign of a CPU is
                        // measured again after a pause (up to maxAttempts); the quietest attempt is kept.
                        while (attempts < maxAttempts && (row == null || row.foreignCpus() > maxForeign)) {
                            if (attempts > 0) {
                                LOG.printf(Locale.ROOT, "echo: other processes used %.2f CPUs during %s %s; measuring again%n",
                                        row.foreignCpus(), server, cell);
                                Thread.sleep(3000);
                            }
                            waitForQuiet(maxForeign, quietWaitSeconds);
                            Row attempt = measure(processes.get(server), cell, clientThreads, options, warmup, duration, round, position);
                            attempts++;
                            if (row == null || attempt.foreignCpus() < row.foreignCpus()) {
                                row = attempt;
                            }
                        }
                        row = row.at(round, position, attempts);
                        rows.add(row);
                        LoadResult load = row.load();
                        csv.printf(Locale.ROOT, "%s,%d,%d,%d,%d,%.1f,%d,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%d,%d,%.3f,%d,%s%n",
                                server, cell.size(), cell.connections(), round, position, row.rate(), load.roundTrips(),
                                load.seconds(), load.percentileMicros(50), load.percentileMicros(90), row.p99(),
                                load.percentileMicros(99.9), row.max(), row.serverUse().cpuSeconds(),
                                row.clientUse().cpuSeconds(), row.serverUse().voluntarySwitches(),
                                row.serverUse().involuntarySwitches(), row.foreignCpus(), row.attempts(),
                                row.serverCounters().replace(',', ';'));
                        csv.flush();
                        LOG.printf(Locale.ROOT, "echo: [%4.0f s] %5d B x %4d conns round %d %-9s %9.0f msg/s  p99 %8.1f us"
                                        + "  max %8.1f us  server %.2f us/msg  client %.2f us/msg  foreign %.2f CPUs (%d tries)  %s%n",
                                (System.nanoTime() - runStart) / 1e9, cell.size(), cell.connections(), round, server,
                                row.rate(), row.p99(), row.max(), row.serverCpuMicrosPerMessage(),
                                row.clientCpuMicrosPerMessage(), row.foreignCpus(), row.attempts(), row.serverCounters());
                    }
                }
            }
        } finally {
            for (ServerProcess process : processes.values()) {
                process.stop();
            }
        }
        String markdown = report(rows, servers, sizes, connectionCounts);
        Files.writeString(report, markdown);
        System.out.println(markdown);
        LOG.printf(Locale.ROOT, "echo: done in %.1f min; raw rows in %s, report in %s%n",
                (System.nanoTime() - runStart) / 60e9, raw, report);
    }

    /**
     * Between measurements nothing of ours runs (the servers idle in their polls): waits, up to
     * {@code maxWaitSeconds}, for a second in which the machine's other tenants used at most {@code maxForeign}
     * of a CPU.
     */
    private static void waitForQuiet(double maxForeign, double maxWaitSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (maxWaitSeconds * 1e9);
        double busy = 0;
        do {
            double before = ProcessCounters.machineBusySeconds();
            Thread.sleep(500);
            busy = (ProcessCounters.machineBusySeconds() - before) / 0.5;
            if (busy <= maxForeign + 0.05 || Double.isNaN(busy)) {
                return;
            }
        } while (System.nanoTime() < deadline);
        LOG.printf(Locale.ROOT, "echo: machine still busy (%.2f CPUs used by others) after %.0f s; measuring anyway%n",
                busy, maxWaitSeconds);
    }

    private static Row measure(ServerProcess server, Cell cell, int clientThreads, Options options, double warmup,
                               double duration, int round, int position) throws Exception {
        EchoClient client = new EchoClient(server.address, cell.connections(), cell.size(),
                engine(options, cell.connections()), clientThreads);
        long clientPid = ProcessHandle.current().pid();
        ProcessCounters[] snapshots = new ProcessCounters[4];
        double[] machine = new double[2];
        String[] counters = new String[1];
        LoadResult load = client.run(warmup, duration, () -> {
            server.counters(); // resets the server's deltas
            snapshots[0] = ProcessCounters.of(server.process.pid());
            snapshots[1] = ProcessCounters.of(clientPid);
            machine[0] = ProcessCounters.machineBusySeconds();
        }, () -> {
            machine[1] = ProcessCounters.machineBusySeconds();
            snapshots[2] = ProcessCounters.of(server.process.pid());
            snapshots[3] = ProcessCounters.of(clientPid);
            counters[0] = server.counters();
        });
        ProcessCounters serverUse = snapshots[2].minus(snapshots[0]);
        ProcessCounters clientUse = snapshots[3].minus(snapshots[1]);
        double foreign = Math.max(0, machine[1] - machine[0] - serverUse.cpuSeconds() - clientUse.cpuSeconds()) / load.seconds();
        return new Row(server.name, cell, round, position, load, serverUse, clientUse, foreign, 1, counters[0]);
    }

    // ---------------------------------------------------------------- the report

    private static String report(List<Row> rows, List<String> servers, List<Integer> sizes, List<Integer> connectionCounts) {
        StringBuilder md = new StringBuilder();
        for (int size : sizes) {
            md.append("\n#### ").append(size).append("-byte messages: messages/s (median of rounds) · p99 / max round trip, µs (medians)\n\n");
            md.append("| connections |");
            servers.forEach(server -> md.append(' ').append(server).append(" |"));
            if (servers.contains("evergreen") && servers.contains("jdk-vt")) {
                md.append(" evergreen / jdk-vt |");
            }
            if (servers.contains("evergreen") && servers.contains("netty")) {
                md.append(" evergreen / netty |");
            }
            md.append("\n|---:|");
            md.append("---:|".repeat(servers.size() + (servers.contains("jdk-vt") ? 1 : 0) + (servers.contains("netty") ? 1 : 0)));
            md.append('\n');
            for (int connections : connectionCounts) {
                md.append("| ").append(connections).append(" |");
                Map<String, Double> medianRate = new HashMap<>();
                for (String server : servers) {
                    List<Row> cell = select(rows, server, size, connections);
                    double rate = median(cell, Row::rate);
                    medianRate.put(server, rate);
                    md.append(String.format(Locale.ROOT, " %,.0f · %.0f / %.0f |", rate, median(cell, Row::p99), median(cell, Row::max)));
                }
                if (servers.contains("evergreen") && servers.contains("jdk-vt")) {
                    md.append(ratio(rows, "evergreen", "jdk-vt", size, connections, medianRate));
                }
                if (servers.contains("evergreen") && servers.contains("netty")) {
                    md.append(ratio(rows, "evergreen", "netty", size, connections, medianRate));
                }
                md.append('\n');
            }
            md.append("\nServer CPU µs per message (median) · server context switches per message (median) · client CPU µs per message (median):\n\n");
            md.append("| connections |");
            servers.forEach(server -> md.append(' ').append(server).append(" |"));
            md.append("\n|---:|").append("---:|".repeat(servers.size())).append('\n');
            for (int connections : connectionCounts) {
                md.append("| ").append(connections).append(" |");
                for (String server : servers) {
                    List<Row> cell = select(rows, server, size, connections);
                    md.append(String.format(Locale.ROOT, " %.2f · %.2f · %.2f |", median(cell, Row::serverCpuMicrosPerMessage),
                            median(cell, Row::serverSwitchesPerMessage), median(cell, Row::clientCpuMicrosPerMessage)));
                }
                md.append('\n');
            }
        }
        md.append("\nEvery round (messages/s):\n\n```\n");
        for (Row row : rows) {
            md.append(String.format(Locale.ROOT, "%5d B %4d conns round %d pos %d %-9s %10.0f msg/s p99 %8.1f max %9.1f us"
                            + "  foreign %.2f CPUs, %d tries%n", row.cell().size(), row.cell().connections(), row.round(),
                    row.position(), row.server(), row.rate(), row.p99(), row.max(), row.foreignCpus(), row.attempts()));
        }
        md.append("```\n");
        return md.toString();
    }

    /** Ratio of medians, with the range of the per-round ratios (same round, adjacent in time). */
    private static String ratio(List<Row> rows, String a, String b, int size, int connections, Map<String, Double> medianRate) {
        List<Row> as = select(rows, a, size, connections);
        List<Row> bs = select(rows, b, size, connections);
        double low = Double.MAX_VALUE;
        double high = 0;
        for (Row row : as) {
            for (Row other : bs) {
                if (other.round() == row.round()) {
                    double r = row.rate() / other.rate();
                    low = Math.min(low, r);
                    high = Math.max(high, r);
                }
            }
        }
        return String.format(Locale.ROOT, " **%.2f** (%.2f–%.2f) |", medianRate.get(a) / medianRate.get(b), low, high);
    }

    private static List<Row> select(List<Row> rows, String server, int size, int connections) {
        return rows.stream().filter(r -> r.server().equals(server) && r.cell().size() == size
                && r.cell().connections() == connections).toList();
    }

    private static double median(List<Row> rows, ToDoubleFunction<Row> value) {
        double[] values = rows.stream().mapToDouble(value).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    // ---------------------------------------------------------------- options

    private record Options(Map<String, String> values) {

        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("Expected --name value, got " + args[i]);
                }
                values.put(args[i].substring(2), args[++i]);
            }
            return new Options(values);
        }

        String get(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        int getInt(String name, int fallback) {
            return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
        }

        double getDouble(String name, double fallback) {
            return values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
        }

        boolean getBoolean(String name, boolean fallback) {
            return values.containsKey(name) ? Boolean.parseBoolean(values.get(name)) : fallback;
        }

        List<String> getList(String name, String fallback) {
            return Arrays.stream(get(name, fallback).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
    }
}
