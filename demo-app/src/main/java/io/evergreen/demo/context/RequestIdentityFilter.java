package io.evergreen.demo.context;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Fills the {@link RequestContext} from the {@code X-Request-Id} and {@code X-User} headers (or a fresh id and
 * "anonymous"), and puts both in the logging MDC, which the starter carries into the fibers a request spawns.
 */
@Component
class RequestIdentityFilter extends OncePerRequestFilter {

    static final String REQUEST_ID_HEADER = "X-Request-Id";
    static final String USER_HEADER = "X-User";

    /** Header values go to logs: keep them short and printable. */
    private static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final RequestContext context;

    RequestIdentityFilter(RequestContext context) {
        this.context = context;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = valueOr(request.getHeader(REQUEST_ID_HEADER), UUID.randomUUID().toString());
        String user = valueOr(request.getHeader(USER_HEADER), "anonymous");
        context.set(requestId, user);
        response.setHeader(REQUEST_ID_HEADER, requestId);
        MDC.put("requestId", requestId);
        MDC.put("user", user);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove("requestId");
            MDC.remove("user");
        }
    }

    private static String valueOr(String header, String fallback) {
        return header != null && SAFE_VALUE.matcher(header).matches() ? header : fallback;
    }
}
