package io.evergreen.spring.tomcat;

import io.evergreen.fiber.FiberParking;
import io.evergreen.loop.EventLoop;
import io.evergreen.loop.IoReadiness;
import io.evergreen.loop.SelectableChannelPoller;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.SSLSupport;
import org.apache.tomcat.util.net.SendfileDataBase;
import org.apache.tomcat.util.net.SendfileState;
import org.apache.tomcat.util.net.SocketBufferHandler;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * One Tomcat connection whose readiness is polled by the event loop that owns it, not by Tomcat's poller thread.
 * <p>
 * The channel is registered with its loop's selector once. When Tomcat waits for the next request
 * ({@link #registerReadInterest()}), the loop's readiness dispatch hands the connection to Tomcat on a new fiber
 * of that same loop: no thread in between. Read interest then stays armed: the fiber reads the request before the
 * loop polls again, and when it asks for the next one, nothing needs changing in the selector (Tomcat's poller
 * removes the interest and adds it back for every request, two {@code epoll_ctl} calls). Write interest is armed
 * only while a writer waits, since a socket is nearly always writable.
 * <p>
 * Blocking reads and writes park the calling fiber (or thread) until the loop reports the socket ready or the
 * timeout passes. Interest is changed on the loop thread only: directly by a fiber of the loop, else through
 * {@link EventLoop#execute}.
 */
final class LoopSocketWrapper extends SocketWrapperBase<SocketChannel> {

    private static final VarHandle WANT_READ;
    private static final VarHandle WANT_WRITE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WANT_READ = lookup.findVarHandle(LoopSocketWrapper.class, "wantRead", boolean.class);
            WANT_WRITE = lookup.findVarHandle(LoopSocketWrapper.class, "wantWrite", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The loop that polls this connection now, with the connection's registration there. */
    private volatile Watch watch;
    /** Tomcat asked to be called when the socket is readable ({@link #registerReadInterest()}). */
    private volatile boolean wantRead;
    /** Tomcat asked to be called when the socket is writable ({@link #registerWriteInterest()}). */
    private volatile boolean wantWrite;
    private volatile Thread readWaiter;
    private volatile Thread writeWaiter;
    /**
     * False once a read found the socket drained (it got less than there was room for), true again when the loop
     * reports the socket readable: a read that knows the socket is drained returns nothing, or waits, without the
     * system call that would find nothing. Tomcat tries such a read after every response on a keep-alive
     * connection. Whoever then waits for bytes arms read interest, and the selector is level-triggered: bytes that
     * came in meanwhile are reported by the next poll.
     */
    private volatile boolean readMayBeReady = true;
    private volatile long lastRead = System.currentTimeMillis();
    private volatile long lastWrite = lastRead;

    LoopSocketWrapper(SocketChannel channel, LoopEndpoint endpoint, EventLoop loop) {
        super(channel, endpoint);
        this.watch = new Watch(loop);
        this.socketBufferHandler = new SocketBufferHandler(endpoint.getSocketProperties().getAppReadBufSize(),
                endpoint.getSocketProperties().getAppWriteBufSize(), endpoint.getSocketProperties().getDirectBuffer());
    }

    /** The loop that polls this connection now. */
    EventLoop loop() {
        return watch.loop;
    }

    // ---------------------------------------------------------------- readiness

    @Override
    public void registerReadInterest() {
        // Timeouts count from here: a connection that has just written a long response has not read for as long.
        lastRead = System.currentTimeMillis();
        WANT_READ.setVolatile(this, true);
        arm(SelectionKey.OP_READ);
    }

    /** Whether Tomcat waits for this connection's next bytes (between requests, or in the middle of headers). */
    boolean isWaitingToRead() {
        return wantRead && !isClosed();
    }

    @Override
    public void registerWriteInterest() {
        lastWrite = System.currentTimeMillis();
        WANT_WRITE.setVolatile(this, true);
        arm(SelectionKey.OP_WRITE);
    }

    /**
     * Makes sure the loop watches for {@code op}. Safe from any thread; the caller has published what it waits
     * for (a flag, or itself as waiter) first. Interest changes on the loop thread only, in turn with
     * {@link Watch#ready}, so that a waiter can never rely on an interest that readiness is removing.
     */
    private void arm(int op) {
        Watch current = watch;
        if (current.loop.inLoop()) {
            current.armOnLoop(op);
        } else {
            try {
                current.loop.execute(() -> current.armOnLoop(op));
            } catch (RejectedExecutionException e) {
                // The loop has stopped: so has the endpoint, which closes its connections.
                close();
            }
        }
    }

    /**
     * Moves an idle connection (waiting for its next request, nobody reading or writing) to another loop, when
     * the loop that polls it is held by a fiber that does not let go: a loop polls only between callbacks, so its
     * connections would wait as long as it is held. Safe from any thread. The old registration is cancelled on its
     * own loop, whenever that loop runs again; until then it ignores what it sees.
     * @return whether the connection moved
     */
    boolean moveTo(EventLoop target) {
        Watch old = watch;
        if (old.loop == target || isClosed() || !wantRead || wantWrite || readWaiter != null || writeWaiter != null) {
            return false;
        }
        Watch moved = new Watch(target);
        watch = moved;
        // Read after the move is published: a writer that came meanwhile armed the old loop, or arms the new one.
        int ops = SelectionKey.OP_READ | (wantWrite || writeWaiter != null ? SelectionKey.OP_WRITE : 0);
        try {
            old.loop.execute(old::leave);
        } catch (RejectedExecutionException e) {
            // A stopped loop has closed its selector, and the registration with it.
        }
        try {
            target.execute(() -> moved.armOnLoop(ops));
        } catch (RejectedExecutionException e) {
            close();
        }
        return true;
    }

    /**
     * This connection's registration with one loop's selector. Used on that loop's thread only, but for the
     * cancellation of a registration left behind by {@link #moveTo}.
     */
    private final class Watch implements IoReadiness {

        final EventLoop loop;
        private final SelectableChannelPoller poller;
        private SelectionKey key;
        /** The interest registered on {@link #key}. */
        private int armedOps;
        private boolean retried;

        Watch(EventLoop loop) {
            this.loop = loop;
            this.poller = (SelectableChannelPoller) loop.poller();
        }

        void armOnLoop(int op) {
            if (isClosed()) {
                return;
            }
            if (watch != this) {
                // The connection moved while this was queued: the loop that polls it now must watch.
                arm(op);
                return;
            }
            try {
                if (key == null) {
                    armedOps = op;
                    key = poller.register(getSocket(), op, this);
                } else if ((armedOps & op) == 0) {
                    armedOps |= op;
                    key.interestOps(armedOps);
                }
            } catch (CancelledKeyException e) {
                if (key == null && !retried) {
                    // The connection left this loop and came back before the loop polled: the old registration is
                    // cancelled but still in the selector until its next poll.
                    retried = true;
                    loop.afterNextPoll(() -> armOnLoop(op));
                } else {
                    close();
                }
            } catch (ClosedSelectorException e) {
                close(); // the loop stopped meanwhile: its selector watches nothing any more
            } catch (ClosedChannelException e) {
                wakeWaiters();
            }
        }

        /** Drops the registration of a connection that moved to another loop, and wakes whoever waited through it. */
        void leave() {
            if (key != null) {
                key.cancel();
            }
            wakeWaiters();
        }

        /** Called by the loop thread when the socket is ready. */
        @Override
        public void ready(int readyOps) {
            if (watch != this) {
                leave(); // left behind by a move: the new loop reports the same readiness
                return;
            }
            int disarm = 0;
            if ((readyOps & SelectionKey.OP_READ) != 0) {
                readMayBeReady = true;
                Thread reader = readWaiter;
                if (reader != null) {
                    LockSupport.unpark(reader);
                } else if (WANT_READ.compareAndSet(LoopSocketWrapper.this, true, false)) {
                    dispatch(SocketEvent.OPEN_READ);
                } else {
                    // Nobody reads: a fiber already dispatched will, or the peer sent what nobody asked for yet.
                    disarm |= SelectionKey.OP_READ;
                }
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                disarm |= SelectionKey.OP_WRITE;
                Thread writer = writeWaiter;
                if (writer != null) {
                    LockSupport.unpark(writer);
                } else if (WANT_WRITE.compareAndSet(LoopSocketWrapper.this, true, false)) {
                    dispatch(SocketEvent.OPEN_WRITE);
                }
            }
            if ((armedOps & disarm) != 0) {
                // A woken waiter that still finds nothing to do arms again, so does Tomcat when it next asks.
                try {
                    armedOps &= ~disarm;
                    key.interestOps(armedOps);
                } catch (CancelledKeyException e) {
                    wakeWaiters();
                }
            }
        }
    }

    private void dispatch(SocketEvent event) {
        if (!getEndpoint().processSocket(this, event, true)) {
            close();
        }
    }

    /**
     * Called about once a second off the loop: a connection that has waited longer than its timeout for Tomcat's
     * next read (keep-alive, or the rest of a request's headers) or write gets an error event, which closes it.
     */
    void checkTimeout(long nowMillis) {
        if (hasTimedOut(nowMillis)) {
            // Decided again on the loop, in turn with its readiness dispatch: a connection whose next request came
            // meanwhile is served, not closed, and a loop that is held expires nothing it has not had a chance to read.
            try {
                watch.loop.execute(this::expireIfTimedOut);
            } catch (RejectedExecutionException e) {
                close();
            }
        }
    }

    private boolean hasTimedOut(long nowMillis) {
        long readTimeout = getReadTimeout();
        long writeTimeout = getWriteTimeout();
        return wantRead && readTimeout > 0 && nowMillis - lastRead > readTimeout
                || wantWrite && writeTimeout > 0 && nowMillis - lastWrite > writeTimeout;
    }

    private void expireIfTimedOut() {
        if (isClosed() || !hasTimedOut(System.currentTimeMillis())) {
            return;
        }
        // Whichever interest expired, the error event closes the connection: nothing more is dispatched for it.
        boolean wasWaiting = (boolean) WANT_READ.getAndSet(this, false) | (boolean) WANT_WRITE.getAndSet(this, false);
        if (wasWaiting) {
            setError(new SocketTimeoutException());
            dispatch(SocketEvent.ERROR);
        }
    }

    /**
     * Parks the caller until the socket may be ready for {@code op} or the deadline passes; may return early.
     * @throws SocketTimeoutException once the deadline has passed
     */
    private void await(int op, long deadlineNanos) throws IOException {
        if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0) {
            throw new SocketTimeoutException();
        }
        boolean read = op == SelectionKey.OP_READ;
        Thread self = Thread.currentThread();
        if (read) {
            readWaiter = self;
        } else {
            writeWaiter = self;
        }
        try {
            arm(op);
            if (!isClosed()) {
                FiberParking.parkUntil(this, deadlineNanos);
            }
        } finally {
            // Tomcat lets one thread at a time read, and one write; should two ever wait, the other keeps its place.
            if (read && readWaiter == self) {
                readWaiter = null;
            } else if (!read && writeWaiter == self) {
                writeWaiter = null;
            }
        }
        FiberParking.checkInterrupts();
    }

    private void wakeWaiters() {
        Thread reader = readWaiter;
        if (reader != null) {
            LockSupport.unpark(reader);
        }
        Thread writer = writeWaiter;
        if (writer != null) {
            LockSupport.unpark(writer);
        }
    }

    private static long deadline(long timeoutMillis) {
        return timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public boolean isReadyForRead() throws IOException {
        socketBufferHandler.configureReadBufferForRead();
        if (socketBufferHandler.getReadBuffer().remaining() > 0) {
            return true;
        }
        fillReadBuffer(false);
        return socketBufferHandler.getReadBuffer().position() > 0;
    }

    @Override
    public int read(boolean block, byte[] b, int off, int len) throws IOException {
        int nRead = populateReadBuffer(b, off, len);
        if (nRead > 0) {
            return nRead;
        }
        nRead = fillReadBuffer(block);
        if (nRead > 0) {
            socketBufferHandler.configureReadBufferForRead();
            nRead = Math.min(nRead, len);
            socketBufferHandler.getReadBuffer().get(b, off, nRead);
        }
        return nRead;
    }

    @Override
    public int read(boolean block, ByteBuffer to) throws IOException {
        int nRead = populateReadBuffer(to);
        if (nRead > 0) {
            return nRead;
        }
        int limit = socketBufferHandler.getReadBuffer().capacity();
        if (to.remaining() >= limit) {
            // Large enough to read into directly, past the socket's buffer.
            to.limit(to.position() + limit);
            return fillReadBuffer(block, to);
        }
        nRead = fillReadBuffer(block);
        if (nRead > 0) {
            nRead = populateReadBuffer(to);
        }
        return nRead;
    }

    private int fillReadBuffer(boolean block) throws IOException {
        socketBufferHandler.configureReadBufferForWrite();
        return fillReadBuffer(block, socketBufferHandler.getReadBuffer());
    }

    private int fillReadBuffer(boolean block, ByteBuffer buffer) throws IOException {
        if (isClosed()) {
            throw new ClosedChannelException();
        }
        long deadline = block ? deadline(getReadTimeout()) : 0;
        while (true) {
            if (readMayBeReady) {
                int room = buffer.remaining();
                int n = getSocket().read(buffer);
                if (n == -1) {
                    throw new EOFException();
                }
                if (n < room) {
                    readMayBeReady = false;
                }
                if (n > 0) {
                    lastRead = System.currentTimeMillis();
                    return n;
                }
            }
            if (!block) {
                return 0;
            }
            await(SelectionKey.OP_READ, deadline);
            if (isClosed()) {
                throw new ClosedChannelException();
            }
        }
    }

    @Override
    public void setAppReadBufHandler(ApplicationBufferHandler handler) {
        // Only TLS channels use it (to size their buffers); this connector serves plain HTTP.
    }

    // ---------------------------------------------------------------- writes

    @Override
    protected boolean flushNonBlocking() throws IOException {
        boolean dataLeft = !socketBufferHandler.isWriteBufferEmpty();
        if (dataLeft) {
            doWrite(false);
            dataLeft = !socketBufferHandler.isWriteBufferEmpty();
        }
        if (!dataLeft && !nonBlockingWriteBuffer.isEmpty()) {
            dataLeft = nonBlockingWriteBuffer.write((buffer, block) -> {
                writeNonBlockingInternal(buffer);
                return buffer.hasRemaining();
            }, false);
            if (!dataLeft && !socketBufferHandler.isWriteBufferEmpty()) {
                doWrite(false);
                dataLeft = !socketBufferHandler.isWriteBufferEmpty();
            }
        }
        return dataLeft;
    }

    @Override
    protected void doWrite(boolean block, ByteBuffer buffer) throws IOException {
        if (isClosed()) {
            throw new ClosedChannelException();
        }
        if (block) {
            if (previousIOException != null) {
                // A blocking write that timed out left part of its data unwritten: the client must see the
                // connection drop rather than a response with a hole in it.
                throw new IOException(previousIOException);
            }
            long deadline = deadline(getWriteTimeout());
            while (buffer.hasRemaining()) {
                int n = getSocket().write(buffer);
                if (n > 0) {
                    deadline = deadline(getWriteTimeout());
                } else {
                    try {
                        await(SelectionKey.OP_WRITE, deadline);
                    } catch (SocketTimeoutException e) {
                        previousIOException = e;
                        throw e;
                    }
                    if (isClosed()) {
                        throw new ClosedChannelException();
                    }
                }
            }
        } else {
            int n;
            do {
                n = getSocket().write(buffer);
            } while (n > 0 && buffer.hasRemaining());
            // Data left is registered for write further up the stack (registerWriteInterest).
        }
        lastWrite = System.currentTimeMillis();
    }

    // ---------------------------------------------------------------- close

    @Override
    protected void doClose() {
        SocketChannel channel = getSocket();
        ((LoopEndpoint) getEndpoint()).forget(channel);
        wantRead = false;
        wantWrite = false;
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing to do: the connection is gone either way.
        }
        wakeWaiters();
        watch.loop.releaseClosedChannels();
    }

    // ---------------------------------------------------------------- addresses

    @Override
    protected void populateRemoteHost() {
        if (address(true) instanceof InetSocketAddress remote) {
            remoteHost = remote.getAddress().getHostName();
            if (remoteAddr == null) {
                remoteAddr = remote.getAddress().getHostAddress();
            }
        }
    }

    @Override
    protected void populateRemoteAddr() {
        if (address(true) instanceof InetSocketAddress remote) {
            remoteAddr = remote.getAddress().getHostAddress();
        }
    }

    @Override
    protected void populateRemotePort() {
        if (address(true) instanceof InetSocketAddress remote) {
            remotePort = remote.getPort();
        }
    }

    @Override
    protected void populateLocalName() {
        if (address(false) instanceof InetSocketAddress local) {
            localName = local.getAddress().getHostName();
        }
    }

    @Override
    protected void populateLocalAddr() {
        if (address(false) instanceof InetSocketAddress local) {
            localAddr = local.getAddress().getHostAddress();
        }
    }

    @Override
    protected void populateLocalPort() {
        if (address(false) instanceof InetSocketAddress local) {
            localPort = local.getPort();
        }
    }

    private SocketAddress address(boolean remote) {
        try {
            return remote ? getSocket().getRemoteAddress() : getSocket().getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- not offered: sendfile, TLS, NIO2-style I/O

    @Override
    public SendfileDataBase createSendfileData(String filename, long pos, long length) {
        throw new UnsupportedOperationException("The loop connector does not use sendfile");
    }

    @Override
    public SendfileState processSendfile(SendfileDataBase sendfileData) {
        return SendfileState.ERROR;
    }

    @Override
    public void doClientAuth(SSLSupport sslSupport) {
        // Plain HTTP only: there is no TLS session to renegotiate.
    }

    @Override
    public SSLSupport getSslSupport() {
        return null;
    }

    @Override
    protected <A> OperationState<A> newOperationState(boolean read, ByteBuffer[] buffers, int offset, int length,
            BlockingMode block, long timeout, TimeUnit unit, A attachment, CompletionCheck check,
            CompletionHandler<Long, ? super A> handler, Semaphore semaphore, VectoredIOCompletionHandler<A> completion) {
        // The endpoint turns asynchronous I/O off, so Tomcat never asks for it.
        throw new UnsupportedOperationException("The loop connector does not offer NIO2-style asynchronous I/O");
    }

    @Override
    public String toString() {
        return "LoopSocketWrapper[" + getSocket() + " on " + watch.loop + "]";
    }
}
