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
 * Makes each servlet request the owner of its {@code @FiberScoped} beans: the request gets a fresh fiber
 * scope, which the fibers it spawns share, and which ends when the request completes (for an async request,
 * when its async processing completes; its later dispatches, on other fibers, see the same scope).
 * <p>
 * Without it the scope would belong to the fiber that runs the request, and a server that serves the next
 * request of a keep-alive connection on the same fiber would hand it the previous request's beans. Does
 * nothing for requests that do not run on a fiber. Register it for every dispatcher type, before any filter
 * that may use fiber-scoped beans.
 */
public final class FiberScopeFilter implements Filter, Ordered {

    /** Order of the filter: right after {@link MaxInFlightFilter}, before any other. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    static final String STORE_ATTRIBUTE = FiberScopeFilter.class.getName() + ".STORE";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (Fiber.current() == null) {
            chain.doFilter(request, response);
            return;
        }
        FiberScopeStore current = FiberScopeStore.CURRENT.get();
        if (request.getAttribute(STORE_ATTRIBUTE) instanceof FiberScopeStore requestStore && !requestStore.isEnded()) {
            if (requestStore == current) {
                chain.doFilter(request, response); // a forward or include within the same dispatch
            } else {
                filterWith(requestStore, current, request, response, chain); // a later dispatch of an async request
            }
            return;
        }
        FiberScopeStore store = FiberScopeStore.open(describe(request));
        request.setAttribute(STORE_ATTRIBUTE, store);
        boolean async = false;
        try {
            filterWith(store, current, request, response, chain);
            async = request.isAsyncStarted();
            if (async) {
                request.getAsyncContext().addListener(new OnRequestCompletion(store::end));
            }
        } finally {
            if (!async) {
                store.end();
            }
        }
    }

    private static void filterWith(FiberScopeStore store, FiberScopeStore previous, ServletRequest request,
            ServletResponse response, FilterChain chain) throws IOException, ServletException {
        FiberScopeStore.CURRENT.set(store);
        try {
            chain.doFilter(request, response);
        } finally {
            if (previous != null) {
                FiberScopeStore.CURRENT.set(previous);
            } else {
                FiberScopeStore.CURRENT.remove();
            }
        }
    }

    private static String describe(ServletRequest request) {
        return request instanceof HttpServletRequest http ? http.getMethod() + " " + http.getRequestURI() : "request";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
