package io.evergreen.demo.context;

/**
 * Who and what the current request is about: one instance per request, shared with every fiber the request
 * spawns (a {@code @FiberScoped} bean, see {@link RequestContextConfiguration}; Spring's request scope is not
 * visible in child threads).
 */
public class RequestContext {

    private String requestId = "none";
    private String user = "anonymous";

    public String getRequestId() {
        return requestId;
    }

    public String getUser() {
        return user;
    }

    void set(String requestId, String user) {
        this.requestId = requestId;
        this.user = user;
    }
}
