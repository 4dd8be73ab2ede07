package io.evergreen.spring;

import java.io.IOException;
import java.time.Duration;

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
 * until its async processing completes). Requests below the limit are not touched. WebFlux applications get
 * {@link MaxInFlightWebFilter} instead.
 */
public final class MaxInFlightFilter extends OncePerRequestFilter implements Ordered {

    /** Order of the filter: first of all, so that a rejected request costs as little as possible. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

    private final InFlightLimit limit;

    public MaxInFlightFilter(int maxInFlight, Duration retryAfter) {
        this.limit = new InFlightLimit(maxInFlight, retryAfter);
    }

    public int getMaxInFlight() {
        return limit.maxInFlight();
    }

    /** Requests in flight now. */
    public int getInFlight() {
        return limit.inFlight();
    }

    /** Requests answered 503 so far. */
    public long getRejectedCount() {
        return limit.rejectedCount();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!limit.tryEnter()) {
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            response.setHeader(HttpHeaders.RETRY_AFTER, limit.retryAfterSeconds());
            response.setContentLength(0);
            return;
        }
        boolean async = false;
        try {
            chain.doFilter(request, response);
            async = request.isAsyncStarted();
            if (async) {
                request.getAsyncContext().addListener(new OnRequestCompletion(limit::exit));
            }
        } finally {
            if (!async) {
                limit.exit();
            }
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
