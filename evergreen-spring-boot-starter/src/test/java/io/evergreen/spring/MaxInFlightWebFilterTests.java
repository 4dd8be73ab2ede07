package io.evergreen.spring;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exchange takes its place when its chain is subscribed and gives it back once, however the chain ends: it
 * completes, fails, or is cancelled because the client went away.
 */
class MaxInFlightWebFilterTests {

    private final MaxInFlightWebFilter filter = new MaxInFlightWebFilter(1, Duration.ofMillis(1500));

    @Test
    void aboveTheLimitAnExchangeIsAnswered503WithRetryAfterInWholeSecondsRoundedUp() {
        Sinks.Empty<Void> held = Sinks.empty();
        filter.filter(exchange(), exchange -> held.asMono()).subscribe();
        MockServerWebExchange rejected = exchange();
        AtomicInteger chainCalls = new AtomicInteger();
        filter.filter(rejected, exchange -> Mono.fromRunnable(chainCalls::incrementAndGet)).block(Duration.ofSeconds(10));
        assertThat(chainCalls).hasValue(0);
        assertThat(rejected.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(rejected.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("2");
        assertThat(rejected.getResponse().getHeaders().getContentLength()).isZero();
        assertThat(filter.getRejectedCount()).isOne();
        held.tryEmitEmpty();
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isNull();
    }

    @Test
    void anExchangeHoldsItsPlaceUntilItsChainCompletes() {
        Sinks.Empty<Void> held = Sinks.empty();
        filter.filter(exchange(), exchange -> held.asMono()).subscribe();
        assertThat(filter.getInFlight()).isOne();
        assertThat(servedNormally()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        held.tryEmitEmpty();
        assertThat(filter.getInFlight()).isZero();
    }

    @Test
    void anExchangeWhoseChainFailsGivesItsPlaceBack() {
        Mono<Void> failing = filter.filter(exchange(), exchange -> Mono.error(new IllegalStateException("handler failed")));
        assertThat(failing.onErrorResume(IllegalStateException.class, e -> Mono.empty()).block(Duration.ofSeconds(10)))
            .isNull();
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isNull();
    }

    @Test
    void anExchangeCancelledByItsClientGivesItsPlaceBackOnce() {
        Disposable subscription = filter.filter(exchange(), exchange -> Mono.never()).subscribe();
        assertThat(filter.getInFlight()).isOne();
        subscription.dispose();
        subscription.dispose();
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isNull();
    }

    @Test
    void anExchangeTakesNoPlaceUntilItsChainIsSubscribed() {
        Mono<Void> notYet = filter.filter(exchange(), exchange -> Mono.empty());
        assertThat(filter.getInFlight()).isZero();
        notYet.block(Duration.ofSeconds(10));
        assertThat(filter.getInFlight()).isZero();
    }

    /** @return the status of an exchange with a chain that writes nothing: null when passed, else the rejection's */
    private HttpStatusCode servedNormally() {
        MockServerWebExchange exchange = exchange();
        filter.filter(exchange, served -> Mono.empty()).block(Duration.ofSeconds(10));
        return exchange.getResponse().getStatusCode();
    }

    private static MockServerWebExchange exchange() {
        return MockServerWebExchange.from(MockServerHttpRequest.get("/held"));
    }
}
