package io.evergreen.benchmarks.echo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * (B) The JDK's blocking sockets: a {@link ServerSocket} accepting on a virtual thread, and one virtual
 * thread of the default scheduler (parallelism = CPUs) per connection doing {@code read} then {@code write}.
 */
final class JdkVirtualThreadEchoServer implements EchoServer {

    private final ServerSocket serverSocket;
    private final Thread acceptor;

    JdkVirtualThreadEchoServer(InetSocketAddress address) throws IOException {
        serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(address, 4096);
        acceptor = Thread.ofVirtual().name("jdk-echo-acceptor").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                Thread.ofVirtual().start(() -> echo(socket));
            } catch (IOException e) {
                if (!serverSocket.isClosed()) {
                    e.printStackTrace();
                }
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[READ_BUFFER_BYTES];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException endOfConnection) {
            // The client went away: nothing to do.
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
