package io.evergreen.spring.tomcat;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SelectableChannelPoller;
import io.evergreen.monitor.BlockedLoopEvent;
import io.evergreen.monitor.BlockedLoopListener;
import io.evergreen.monitor.LoopWatchdog;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketProcessorBase;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * A Tomcat endpoint whose connections are polled by Evergreen's event loops instead of Tomcat's poller thread.
 * <p>
 * Tomcat's acceptor thread accepts each connection and gives it to a loop of the group, in turn. From then on the
 * loop's own selector watches it, and each request is handed to Tomcat on a new fiber of that loop, started by the
 * loop thread itself: no thread hands a request to another (with Tomcat's NIO endpoint, the poller thread hands
 * every request to a loop and wakes it). Blocking reads and writes of a request park its fiber on the same selector.
 * <p>
 * Plain HTTP/1.1 only: no TLS, no sendfile, no NIO2-style asynchronous I/O (Tomcat then uses blocking I/O for
 * HTTP/2 and WebSocket). Idle connections are closed after their read timeout (keep-alive or connection timeout) by
 * a check that runs once a second, as Tomcat's poller does.
 */
public class LoopEndpoint extends AbstractEndpoint<SocketChannel, SocketChannel> {

    private static final Log LOG = LogFactory.getLog(LoopEndpoint.class);

    /** How often idle connections are checked for their timeouts: Tomcat's poller checks once a second too. */
    private static final long TIMEOUT_CHECK_MILLIS = 1000;

    private volatile EventLoopGroup loops;
    private volatile LoopWatchdog watchdog;
    private final HeldLoops heldLoops = new HeldLoops();
    private volatile ServerSocketChannel serverSocket;
    private volatile ScheduledFuture<?> timeoutCheck;

    public LoopEndpoint() {
        setUseAsyncIO(false);
        setUseSendfile(false);
    }

    /**
     * Always off: Tomcat would ask for NIO2-style asynchronous reads and writes (HTTP/2, WebSocket), which this
     * endpoint does not offer; it then uses plain blocking I/O.
     */
    @Override
    public void setUseAsyncIO(boolean useAsyncIO) {
        warnIfAsked(useAsyncIO, "useAsyncIO");
        super.setUseAsyncIO(false);
    }

    /** Always off: Tomcat then writes large static files through the response instead of with sendfile. */
    @Override
    public void setUseSendfile(boolean useSendfile) {
        warnIfAsked(useSendfile, "useSendfile");
        super.setUseSendfile(false);
    }

    private static void warnIfAsked(boolean asked, String property) {
        if (asked) {
            LOG.warn("The loop connector ignores " + property + "=true: it offers no such I/O");
        }
    }

    /** The loops that poll this endpoint's connections and run their requests. Set before the endpoint starts. */
    public void setLoopGroup(EventLoopGroup loops) {
        this.loops = loops;
    }

    public EventLoopGroup getLoopGroup() {
        return loops;
    }

    /**
     * The watchdog that reports loops held past its threshold. While a loop is held, new connections go to the
     * other loops, and its idle connections move to them: a held loop does not poll. Without one, a connection
     * waits for its loop as long as the loop is held.
     */
    public void setWatchdog(LoopWatchdog watchdog) {
        this.watchdog = watchdog;
    }

    @Override
    public void bind() throws Exception {
        if (isSSLEnabled()) {
            throw new IllegalStateException("The loop connector serves plain HTTP only; TLS needs Tomcat's own "
                    + "connector (evergreen.web.connector=nio)");
        }
        ServerSocketChannel socket = ServerSocketChannel.open();
        try {
            getSocketProperties().setProperties(socket.socket());
            socket.bind(new InetSocketAddress(getAddress(), getPortWithOffset()), getAcceptCount());
            socket.configureBlocking(true); // the acceptor thread blocks in accept
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        serverSocket = socket;
    }

    @Override
    public void startInternal() throws Exception {
        if (running) {
            return;
        }
        EventLoopGroup group = loops;
        if (group == null) {
            throw new IllegalStateException("No event loop group was set on " + getName());
        }
        for (EventLoop loop : group.loops()) {
            if (!(loop.poller() instanceof SelectableChannelPoller)) {
                throw new IllegalStateException("The loop connector needs loops that poll java.nio channels "
                        + "(the default NioSelectorPoller); " + loop + " uses " + loop.poller().getClass().getName());
            }
        }
        running = true;
        paused = false;
        if (getExecutor() == null) {
            createExecutor();
        }
        initializeConnectionLatch();
        LoopWatchdog loopWatchdog = watchdog;
        if (loopWatchdog != null) {
            loopWatchdog.addListener(heldLoops);
        }
        timeoutCheck = getUtilityExecutor().scheduleWithFixedDelay(this::checkTimeouts, TIMEOUT_CHECK_MILLIS,
                TIMEOUT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        startAcceptorThread();
    }

    @Override
    public void stopInternal() throws Exception {
        if (!paused) {
            pause();
        }
        if (!running) {
            return;
        }
        running = false;
        LoopWatchdog loopWatchdog = watchdog;
        if (loopWatchdog != null) {
            loopWatchdog.removeListener(heldLoops);
        }
        acceptor.stopMillis(100 + 2 * getSocketProperties().getUnlockTimeout());
        ScheduledFuture<?> check = timeoutCheck;
        if (check != null) {
            check.cancel(false);
            timeoutCheck = null;
        }
        for (SocketWrapperBase<SocketChannel> connection : new ArrayList<>(connections.values())) {
            connection.close();
        }
        shutdownExecutor();
    }

    @Override
    public void unbind() throws Exception {
        if (running) {
            stop();
        }
        doCloseServerSocket();
        super.unbind();
        if (getHandler() != null) {
            getHandler().recycle();
        }
    }

    @Override
    protected void doCloseServerSocket() throws IOException {
        ServerSocketChannel socket = serverSocket;
        serverSocket = null;
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    protected SocketChannel serverSocketAccept() throws Exception {
        return serverSocket.accept();
    }

    /** On Tomcat's acceptor thread: hands the new connection to the next loop, which watches it for its request. */
    @Override
    protected boolean setSocketOptions(SocketChannel socket) {
        EventLoop loop;
        try {
            socket.configureBlocking(false);
            getSocketProperties().setProperties(socket.socket());
            loop = heldLoops.avoiding(loops.next());
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not set up the connection " + socket, e);
            destroySocket(socket); // gives its place back: Tomcat's acceptor closes only connections it knows of
            return false;
        }
        LoopSocketWrapper connection = new LoopSocketWrapper(socket, this, loop);
        connections.put(socket, connection);
        connection.setReadTimeout(getConnectionTimeout());
        connection.setWriteTimeout(getConnectionTimeout());
        connection.setKeepAliveLeft(getMaxKeepAliveRequests());
        if (!running) {
            // The endpoint stopped while this connection was being accepted, after it closed the others.
            connection.close();
            return true;
        }
        connection.registerReadInterest(); // closes the connection if the loop has stopped
        return true;
    }

    @Override
    protected void destroySocket(SocketChannel socket) {
        countDownConnection();
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("Could not close " + socket, e);
        }
    }

    void forget(SocketChannel socket) {
        connections.remove(socket);
    }

    @Override
    protected SocketProcessorBase<SocketChannel> createSocketProcessor(SocketWrapperBase<SocketChannel> socketWrapper,
            SocketEvent event) {
        return new LoopSocketProcessor(this, socketWrapper, event);
    }

    private void checkTimeouts() {
        try {
            long now = System.currentTimeMillis();
            for (SocketWrapperBase<SocketChannel> connection : connections.values()) {
                ((LoopSocketWrapper) connection).checkTimeout(now);
            }
        } catch (RuntimeException e) {
            // A failure here must not end the periodic check, which would leave idle connections open forever.
            LOG.warn("Checking the connections of " + getName() + " for timeouts failed", e);
        }
    }

    /**
     * The loops held past the watchdog's threshold now, told by the watchdog on its thread: new connections avoid
     * them, and their idle connections move to the other loops.
     */
    private final class HeldLoops implements BlockedLoopListener {

        private final Set<EventLoop> held = ConcurrentHashMap.newKeySet();

        @Override
        public void loopBlocked(BlockedLoopEvent event) {
            EventLoop heldLoop = loops.loop(event.loopIndex());
            held.add(heldLoop);
            int moved = 0;
            for (SocketWrapperBase<SocketChannel> connection : connections.values()) {
                LoopSocketWrapper wrapper = (LoopSocketWrapper) connection;
                if (wrapper.loop() != heldLoop) {
                    continue;
                }
                EventLoop target = avoiding(loops.next());
                if (!held.contains(target) && wrapper.moveTo(target)) {
                    moved++;
                }
            }
            if (moved > 0 && LOG.isInfoEnabled()) {
                LOG.info(event.loopName() + " is held: its " + moved + " idle connections of " + getName()
                        + " moved to the other loops");
            }
        }

        @Override
        public void loopUnblocked(BlockedLoopEvent event) {
            held.remove(loops.loop(event.loopIndex()));
        }

        /** The given loop, or the next one that is not held (the given one again when all are). */
        EventLoop avoiding(EventLoop candidate) {
            if (held.isEmpty()) {
                return candidate;
            }
            List<EventLoop> all = loops.loops();
            for (int i = 1; i <= all.size() && held.contains(candidate); i++) {
                candidate = all.get((candidate.index() + 1) % all.size());
            }
            return candidate;
        }
    }

    @Override
    protected InetSocketAddress getLocalAddress() throws IOException {
        ServerSocketChannel socket = serverSocket;
        return socket == null ? null : (InetSocketAddress) socket.getLocalAddress();
    }

    /**
     * The connections waiting for their next request, or the rest of one: what {@code NioEndpoint} reports as the keys
     * of its poller. Tomcat's {@code keepAliveCount} JMX attribute, which Micrometer's
     * {@code tomcat.connections.keepalive.current} reads (with {@code server.tomcat.mbeanregistry.enabled=true}).
     */
    public int getKeepAliveCount() {
        int waiting = 0;
        for (SocketWrapperBase<SocketChannel> connection : connections.values()) {
            if (((LoopSocketWrapper) connection).isWaitingToRead()) {
                waiting++;
            }
        }
        return waiting;
    }

    /** The connections open now, for monitoring. */
    public List<SocketWrapperBase<SocketChannel>> openConnections() {
        return List.copyOf(connections.values());
    }

    @Override
    protected Log getLog() {
        return LOG;
    }
}
