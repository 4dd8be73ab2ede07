package io.evergreen.demo.webflux.identity;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Reads the {@link RequestIdentity} of each request into the exchange's attributes and answers its request id in
 * the {@code X-Request-Id} header, as demo-app's servlet filter does. WebFlux has no request-bound bean to hold it:
 * the exchange is the request's state, in both styles.
 */
@Component
class RequestIdentityWebFilter implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        RequestIdentity identity = RequestIdentity.of(exchange.getRequest().getHeaders());
        exchange.getAttributes().put(RequestIdentity.ATTRIBUTE, identity);
        exchange.getResponse().getHeaders().set(RequestIdentity.REQUEST_ID_HEADER, identity.requestId());
        return chain.filter(exchange);
    }
}
