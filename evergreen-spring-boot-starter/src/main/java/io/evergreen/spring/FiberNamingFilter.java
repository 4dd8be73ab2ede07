package io.evergreen.spring;

import io.evergreen.fiber.Fiber;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.Ordered;

/**
 * Names the fiber that serves a request after it, {@code GET /orders}, for as long as it serves it: fiber dumps
 * and the blocked-loop log then say which endpoint a fiber works for. Only the method and the path are used
 * ({@link RequestFiberNames}). Does nothing for requests that do not run on a fiber. On WebFlux, the
 * {@link FiberHandlerAdapter} names the fibers it starts the same way.
 */
public final class FiberNamingFilter implements Filter, Ordered {

    /** Order of the filter: right after the {@link FiberScopeFilter}. */
    public static final int ORDER = FiberScopeFilter.ORDER + 1;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Fiber<?> fiber = Fiber.current();
        if (fiber == null || !(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        String previous = fiber.rename(describe(http));
        try {
            chain.doFilter(request, response);
        } finally {
            fiber.rename(previous);
        }
    }

    static String describe(HttpServletRequest request) {
        return RequestFiberNames.of(request.getMethod(), request.getRequestURI());
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
