package io.evergreen.spring.tomcat;

import java.nio.channels.SocketChannel;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketProcessorBase;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Hands one event of a connection to Tomcat's protocol handler, on the fiber the endpoint started for it, and
 * closes the connection when the handler is done with it. Plain HTTP: there is no TLS handshake to drive.
 */
final class LoopSocketProcessor extends SocketProcessorBase<SocketChannel> {

    private static final Log LOG = LogFactory.getLog(LoopSocketProcessor.class);

    private final LoopEndpoint endpoint;

    LoopSocketProcessor(LoopEndpoint endpoint, SocketWrapperBase<SocketChannel> socketWrapper, SocketEvent event) {
        super(socketWrapper, event);
        this.endpoint = endpoint;
    }

    @Override
    protected void doRun() {
        try {
            SocketState state = endpoint.getHandler().process(socketWrapper, event);
            if (state == SocketState.CLOSED) {
                socketWrapper.close();
            }
        } catch (VirtualMachineError error) {
            throw error;
        } catch (Throwable failure) {
            LOG.error("Processing " + event + " on " + socketWrapper + " failed", failure);
            socketWrapper.close();
        }
    }
}
