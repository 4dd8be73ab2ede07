package io.evergreen.demo.probe;

import io.evergreen.loop.EventLoop;
import io.netty.channel.Channel;

import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Notes, on the thread that reads a request, which Evergreen loop that thread is (null when it is none) and which
 * Netty channel the request came on; {@link ProbeEndpoints} compare them with where the handler runs.
 */
final class ReadingLoopWebFilter implements WebFilter {

    static final String READ_BY = ReadingLoopWebFilter.class.getName() + ".loop";

    static final String READ_ON_THREAD = ReadingLoopWebFilter.class.getName() + ".thread";

    static final String CHANNEL = ReadingLoopWebFilter.class.getName() + ".channel";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        EventLoop loop = EventLoop.current();
        if (loop != null) {
            exchange.getAttributes().put(READ_BY, loop);
        }
        exchange.getAttributes().put(READ_ON_THREAD, Thread.currentThread());
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        Channel channel = ((Connection) nativeRequest).channel();
        exchange.getAttributes().put(CHANNEL, channel);
        return chain.filter(exchange);
    }
}
