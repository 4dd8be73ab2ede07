package io.evergreen.spring;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * {@link MaxInFlightFilter} for WebFlux: above {@code maxInFlight} exchanges in flight, a request is answered at
 * once with {@code 503 Service Unavailable} and a {@code Retry-After} header. An exchange counts from the moment
 * the filter chain is subscribed for it until the chain ends: completes (the response written, a streamed body
 * included), fails, or is cancelled because the client went away. Requests below the limit are not touched.
 */
public final class MaxInFlightWebFilter implements WebFilter, Ordered {

    /** Order of the filter: first of all, so that a rejected request costs as little as possible. */
    public static final int ORDER = MaxInFlightFilter.ORDER;

    private final InFlightLimit limit;

    public MaxInFlightWebFilter(int maxInFlight, Duration retryAfter) {
        this.limit = new InFlightLimit(maxInFlight, retryAfter);
    }

    public int getMaxInFlight() {
        return limit.maxInFlight();
    }

    /** Exchanges in flight now. */
    public int getInFlight() {
        return limit.inFlight();
    }

    /** Requests answered 503 so far. */
    public long getRejectedCount() {
        return limit.rejectedCount();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        // Deferred: the place is taken when the exchange is processed, and given back once per subscription.
        return Mono.defer(() -> {
            if (!limit.tryEnter()) {
                return reject(exchange.getResponse());
            }
            return chain.filter(exchange).doFinally(signal -> limit.exit());
        });
    }

    private Mono<Void> reject(ServerHttpResponse response) {
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        response.getHeaders().set(HttpHeaders.RETRY_AFTER, limit.retryAfterSeconds());
        response.getHeaders().setContentLength(0);
        return response.setComplete();
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
