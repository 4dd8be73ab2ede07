package io.evergreen.benchmarks.echo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * One of the three echo servers the harness compares. Each writes back exactly what it reads, with
 * TCP_NODELAY on, a 16 KiB read buffer (Netty: its adaptive pooled buffers) and as many event loops or
 * carrier threads as the machine has CPUs.
 */
interface EchoServer extends AutoCloseable {

    /** Bytes each connection reads at most per call, in the evergreen and JDK servers. */
    int READ_BUFFER_BYTES = 16 * 1024;

    InetSocketAddress localAddress();

    /** Monotonic server-side counters (an evergreen loop's statistics), by name; empty for the others. */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    @Override
    void close() throws IOException;

    enum Kind {
        /** (A) evergreen {@code TcpServer}: a fiber per connection on N loops. */
        EVERGREEN("evergreen"),
        /** (B) JDK blocking {@code ServerSocket}/{@code Socket}, a default-scheduler virtual thread per connection. */
        JDK_VT("jdk-vt"),
        /** (C) Netty NIO transport, N event loops, the canonical echo handler. */
        NETTY("netty");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        static Kind parse(String text) {
            for (Kind kind : values()) {
                if (kind.label.equals(text.toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("Unknown server '" + text + "': evergreen, jdk-vt or netty");
        }

        EchoServer start(InetSocketAddress address, int threads, boolean directBuffers) throws IOException {
            return switch (this) {
                case EVERGREEN -> new EvergreenEchoServer(address, threads, directBuffers);
                case JDK_VT -> new JdkVirtualThreadEchoServer(address);
                case NETTY -> new NettyEchoServer(address, threads);
            };
        }
    }
}
