package io.evergreen.spring;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds the requests in flight: above {@code maxInFlight}, a request is answered at once with
 * {@code 503 Service Unavailable} and a {@code Retry-After} header instead of waiting in a queue with no
 * bound. A request counts from the moment it passes this filter until it completes (for an async request,
 * until its async processing completes). Requests below the limit are not touched.
 */
public final class MaxInFlightFilter extends OncePerRequestFilter implements Ordered {

    /** Order of the filter: first of all, so that a rejected request costs as little as possible. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

    private final int maxInFlight;
    private final Semaphore permits;
    private final String retryAfterSeconds;
    private final LongAdder rejected = new LongAdder();

    public MaxInFlightFilter(int maxInFlight, Duration retryAfter) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, got " + retryAfter);
        }
        this.maxInFlight = maxInFlight;
        this.permits = new Semaphore(maxInFlight);
        // Retry-After takes whole seconds: round up, so that clients never retry sooner than asked.
        long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        this.retryAfterSeconds = Long.toString(seconds);
    }

    public int getMaxInFlight() {
        return maxInFlight;
    }

    /** Requests in flight now. */
    public int getInFlight() {
        return maxInFlight - permits.availablePermits();
    }

    /** Requests answered 503 so far. */
    public long getRejectedCount() {
        return rejected.sum();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!permits.tryAcquire()) {
            rejected.increment();
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            response.setHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
            response.setContentLength(0);
            return;
        }
        boolean async = false;
        try {
            chain.doFilter(request, response);
            async = request.isAsyncStarted();
            if (async) {
                request.getAsyncContext().addListener(new OnRequestCompletion(permits::release));
            }
        } finally {
            if (!async) {
                permits.release();
            }
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
