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

/**
 * Run in a child JVM by {@link JdkPollerModeTest}, so that the JDK's socket pollers start fresh: a fiber reads
 * from a JDK socket (parking in the JDK's poller until the peer writes), then the probe prints
 * {@code read <line>}, {@code pollerMode <jdk.pollerMode>} and {@code pollers <names of the platform threads
 * whose name holds "Poller">}.
 */
public final class JdkPollerModeProbe {

    private JdkPollerModeProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Fiber<String> reader = Fiber.builder().loop(group.loop(0)).start(() -> {
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
        System.out.println("pollerMode " + System.getProperty("jdk.pollerMode"));
        TreeSet<String> pollers = new TreeSet<>();
        Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(name -> name.contains("Poller"))
                .forEach(pollers::add);
        System.out.println("pollers " + pollers);
    }
}
