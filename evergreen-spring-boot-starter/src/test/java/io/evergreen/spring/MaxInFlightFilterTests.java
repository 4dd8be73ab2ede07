package io.evergreen.spring;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The permit of a request is taken once and given back once, whatever way the request ends: normally, by an
 * exception, or when its async processing completes.
 */
class MaxInFlightFilterTests {

    private final MaxInFlightFilter filter = new MaxInFlightFilter(1, Duration.ofMillis(1500));

    @Test
    void aboveTheLimitARequestIsAnswered503WithRetryAfterInWholeSecondsRoundedUp() throws Exception {
        MockHttpServletRequest held = asyncRequest();
        filter.doFilter(held, new MockHttpServletResponse(), (req, res) -> req.startAsync());
        MockHttpServletResponse rejected = new MockHttpServletResponse();
        boolean[] chainCalled = new boolean[1];
        filter.doFilter(new MockHttpServletRequest(), rejected, (req, res) -> chainCalled[0] = true);
        assertThat(chainCalled[0]).isFalse();
        assertThat(rejected.getStatus()).isEqualTo(503);
        assertThat(rejected.getHeader("Retry-After")).isEqualTo("2");
        assertThat(filter.getRejectedCount()).isOne();
    }

    @Test
    void aRequestThatThrowsGivesItsPermitBack() throws Exception {
        FilterChain failing = (req, res) -> {
            throw new IOException("client went away");
        };
        assertThatIOException().isThrownBy(
                () -> filter.doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), failing));
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isEqualTo(200);
    }

    @Test
    void anAsyncRequestHoldsItsPermitUntilItsAsyncProcessingCompletes() throws Exception {
        MockHttpServletRequest request = asyncRequest();
        filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> req.startAsync());
        assertThat(filter.getInFlight()).isOne();
        assertThat(servedNormally()).isEqualTo(503);
        ((MockAsyncContext) request.getAsyncContext()).complete();
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isEqualTo(200);
    }

    @Test
    void anAsyncRequestThatThrowsAfterStartingAsyncGivesItsPermitBackOnce() throws Exception {
        MockHttpServletRequest request = asyncRequest();
        assertThatIOException().isThrownBy(() -> filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
            req.startAsync();
            throw new IOException("failed after startAsync");
        }));
        assertThat(filter.getInFlight()).isZero();
        ((MockAsyncContext) request.getAsyncContext()).complete();
        assertThat(filter.getInFlight()).isZero();
        assertThat(servedNormally()).isEqualTo(200);
    }

    private int servedNormally() throws ServletException, IOException {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest(), response, (req, res) -> {
        });
        return response.getStatus();
    }

    private static MockHttpServletRequest asyncRequest() {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setAsyncSupported(true);
        return request;
    }
}
