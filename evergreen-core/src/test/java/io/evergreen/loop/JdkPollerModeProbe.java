package io.evergreen.loop;

import io.evergreen.fiber.Fiber;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run in a child JVM by {@link JdkPollerModeTest}, so that the JDK's socket pollers start fresh: a fiber (of the
 * scheduler mode named by the system property {@code probe.scheduler}, {@code LOOP} by default) reads from a JDK
 * socket (parking in the JDK's poller until the peer writes; the whole inside a virtual thread when
 * {@code probe.inVirtualThread} is true), then the probe prints
 * {@code read <line>}, {@code pollerMode <jdk.pollerMode>} and {@code pollers <names of the platform threads
 * whose name holds "Poller">}.
 */
public final class JdkPollerModeProbe {

    private JdkPollerModeProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("probe.inVirtualThread")) {
            // The group, the first of the JVM, is created inside a virtual thread.
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try {
                    readThroughThePoller();
                } catch (Exception e) {
                    failure.set(e);
                }
            }).join();
            if (failure.get() != null) {
                throw failure.get();
            }
        } else {
            readThroughThePoller();
        }
        System.out.println("pollerMode " + System.getProperty("jdk.pollerMode"));
        printPollers();
    }

    private static void readThroughThePoller() throws Exception {
        SchedulerMode mode = SchedulerMode.valueOf(System.getProperty("probe.scheduler", SchedulerMode.LOOP.name()));
        try (EventLoopGroup group = EventLoopGroup.create(1, mode);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Fiber<String> reader = Fiber.builder().loop(group.loop(0)).start(() -> {
                // As a request filter does: in SchedulerMode.JDK this is what first touches JdkVirtualThreadHook.
                if (Fiber.current() == null) {
                    throw new IllegalStateException("a fiber that does not find itself");
                }
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                            .readLine();
                }
            });
            try (Socket peer = server.accept()) {
                while (reader.state() != io.evergreen.fiber.FiberState.PARKED && reader.isAlive()) {
                    Thread.onSpinWait(); // write only once the fiber waits in the poller
                }
                OutputStream out = peer.getOutputStream();
                out.write("through the poller\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                System.out.println("read " + reader.join());
            }
        }
    }

    private static void printPollers() {
        TreeSet<String> pollers = new TreeSet<>();
        Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(name -> name.contains("Poller"))
                .forEach(pollers::add);
        System.out.println("pollers " + pollers);
    }
}
