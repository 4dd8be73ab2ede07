package io.evergreen.spring.autoconfigure;

import io.evergreen.spring.FiberExecutor;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;

import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.jetty.autoconfigure.JettyServerProperties;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Jetty run each request on a fiber: Jetty's selectors and acceptors keep a {@link QueuedThreadPool} of
 * platform threads (sized by {@code server.jetty.threads.*}), whose virtual-threads executor, used for blocking
 * work such as servlet requests, becomes the {@link FiberExecutor}. Ordered after Spring Boot's
 * {@code JettyVirtualThreadsWebServerFactoryCustomizer} (order 1), whose thread pool it replaces.
 */
public class EvergreenJettyWebServerFactoryCustomizer
        implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>, Ordered {

    /** The order: after Spring Boot's own customizers. */
    public static final int ORDER = 10;

    private final FiberExecutor fiberExecutor;
    private final JettyServerProperties.Threads threads;

    /**
     * @param threads sizes of the platform thread pool, or null for Jetty's defaults
     */
    public EvergreenJettyWebServerFactoryCustomizer(FiberExecutor fiberExecutor, JettyServerProperties.Threads threads) {
        this.fiberExecutor = fiberExecutor;
        this.threads = threads;
    }

    @Override
    public void customize(ConfigurableJettyWebServerFactory factory) {
        QueuedThreadPool pool = createThreadPool();
        pool.setName("jetty-evergreen");
        pool.setVirtualThreadsExecutor(fiberExecutor);
        factory.setThreadPool(pool);
    }

    private QueuedThreadPool createThreadPool() {
        if (threads == null) {
            return new QueuedThreadPool();
        }
        int max = positiveOr(threads.getMax(), 200);
        int min = positiveOr(threads.getMin(), 8);
        Duration idle = threads.getIdleTimeout();
        int idleMillis = idle != null ? (int) idle.toMillis() : 60000;
        return new QueuedThreadPool(max, min, idleMillis, queue(threads.getMaxQueueCapacity()));
    }

    private static BlockingQueue<Runnable> queue(Integer capacity) {
        if (capacity == null) {
            return null;
        }
        return capacity == 0 ? new SynchronousQueue<>() : new BlockingArrayQueue<>(capacity);
    }

    private static int positiveOr(Integer value, int fallback) {
        return value != null && value > 0 ? value : fallback;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
