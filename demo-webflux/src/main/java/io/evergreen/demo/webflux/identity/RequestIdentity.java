package io.evergreen.demo.webflux.identity;

import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.http.HttpHeaders;

/**
 * Who and what a request is about, from its {@code X-Request-Id} and {@code X-User} headers (or a fresh id and
 * "anonymous"), as demo-app reads them. {@link RequestIdentityWebFilter} keeps it in the exchange's attributes.
 *
 * @param requestId the request's id
 * @param user the user it is made for
 */
public record RequestIdentity(String requestId, String user) {

    /** The exchange attribute that holds the identity: controllers take it with {@code @RequestAttribute}. */
    public static final String ATTRIBUTE = "io.evergreen.demo.webflux.identity.RequestIdentity";

    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    public static final String USER_HEADER = "X-User";

    /** Header values go to the database and to logs: keep them short and printable. */
    private static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    static RequestIdentity of(HttpHeaders headers) {
        return new RequestIdentity(valueOr(headers.getFirst(REQUEST_ID_HEADER), UUID.randomUUID().toString()),
                valueOr(headers.getFirst(USER_HEADER), "anonymous"));
    }

    private static String valueOr(String header, String fallback) {
        return header != null && SAFE_VALUE.matcher(header).matches() ? header : fallback;
    }
}
