package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberLocal;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.Ordered;

/**
 * Makes each servlet request the owner of its fiber state: its {@code @FiberScoped} beans and its
 * {@link FiberLocal} values. The request gets a fresh fiber scope, which the fibers it spawns share, and which
 * ends when the request completes (for an async request, when its async processing completes; its later
 * dispatches, on other fibers, see the same scope); and each dispatch runs with empty fiber-local storage
 * ({@link FiberLocal#isolate()}), dropped when it returns.
 * <p>
 * Without it both would belong to the fiber that runs the request, and Tomcat serves the requests of a keep-alive
 * connection one after the other on the same fiber: the next request, perhaps another user's behind a proxy,
 * would get the previous request's beans and see its fiber-locals. Does nothing for requests that do not run on a
 * fiber. Register it for every dispatcher type, before any filter that may use fiber-scoped beans or fiber-locals.
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
                filterWith(requestStore, request, response, chain); // a later dispatch of an async request
            }
            return;
        }
        FiberScopeStore store = request instanceof HttpServletRequest http
                ? FiberScopeStore.open(http.getMethod(), http.getRequestURI())
                : FiberScopeStore.open("request", null);
        request.setAttribute(STORE_ATTRIBUTE, store);
        boolean async = false;
        try {
            filterWith(store, request, response, chain);
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

    /**
     * Runs the chain in the store's scope with fiber-local storage of its own. The current store is a fiber-local
     * too: it is set inside the isolation, and the fiber's previous one comes back with the rest when it ends.
     */
    private static void filterWith(FiberScopeStore store, ServletRequest request, ServletResponse response,
            FilterChain chain) throws IOException, ServletException {
        try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
            FiberScopeStore.CURRENT.set(store);
            chain.doFilter(request, response);
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
