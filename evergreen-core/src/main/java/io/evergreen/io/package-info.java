/**
 * Async sockets with a blocking-looking API: {@link io.evergreen.io.TcpServer}, {@link io.evergreen.io.TcpStream}
 * and {@link io.evergreen.io.UdpEndpoint} use non-blocking channels registered with their loop's own selector.
 * A fiber whose read or write would block parks; the loop's readiness dispatch wakes it on the same thread.
 */
package io.evergreen.io;
