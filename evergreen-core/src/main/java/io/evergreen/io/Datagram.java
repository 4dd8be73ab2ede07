package io.evergreen.io;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A datagram received by a {@link UdpEndpoint}: its bytes (a buffer of their own, ready to read) and sender.
 */
public record Datagram(ByteBuffer data, SocketAddress sender) {
}
