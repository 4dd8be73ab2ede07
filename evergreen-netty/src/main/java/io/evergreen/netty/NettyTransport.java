package io.evergreen.netty;

import io.netty.channel.IoHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;

/**
 * Which Netty transport the loops poll with.
 */
public enum NettyTransport {

    /**
     * {@code java.nio} selectors (the default): Netty's channels and Evergreen's own sockets share each loop's
     * selector.
     */
    NIO,

    /**
     * Linux epoll through Netty's native transport ({@code netty-transport-native-epoll} on the class path).
     * Netty's channels only: Evergreen's own sockets need a {@code java.nio} selector and refuse such a loop with
     * an exception that says so.
     */
    EPOLL;

    /** Whether this transport can run here (epoll needs Linux and Netty's native library). */
    public boolean isAvailable() {
        return this == NIO || EpollSupport.isAvailable();
    }

    /**
     * Why this transport cannot run here (Netty's own reason, or the class that could not be loaded), or null if it
     * can.
     */
    public Throwable unavailabilityCause() {
        return this == NIO ? null : EpollSupport.unavailabilityCause();
    }

    NettyIoPoller newPoller(NettyLoopGroup parent) {
        return switch (this) {
            case NIO -> new NettyNioPoller(parent);
            case EPOLL -> {
                EpollSupport.ensureAvailable();
                yield new NettyIoPoller(parent, EpollIoHandler.newFactory());
            }
        };
    }

    Class<? extends IoHandler> handlerType() {
        return this == NIO ? NioIoHandler.class : EpollIoHandler.class;
    }

    /** Kept apart so that the epoll classes load only when epoll is asked for. */
    private static final class EpollSupport {

        static boolean isAvailable() {
            try {
                return Epoll.isAvailable();
            } catch (LinkageError e) {
                return false;
            }
        }

        static Throwable unavailabilityCause() {
            try {
                return Epoll.unavailabilityCause();
            } catch (LinkageError e) {
                return e;
            }
        }

        static void ensureAvailable() {
            try {
                Epoll.ensureAvailability();
            } catch (LinkageError e) {
                throw new IllegalStateException("The epoll transport needs io.netty:netty-transport-native-epoll "
                        + "(classifier linux-x86_64 or linux-aarch_64) on the class path; use NIO otherwise", e);
            }
        }
    }
}
