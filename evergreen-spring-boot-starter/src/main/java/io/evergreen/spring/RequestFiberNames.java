package io.evergreen.spring;

/**
 * The name a request's fiber takes while it serves the request: {@code GET /orders}, the method and the path only,
 * never the query string, headers or body. Given by {@link FiberNamingFilter} on Tomcat and Jetty and by
 * {@link FiberHandlerAdapter} on WebFlux; this class needs neither the servlet API nor WebFlux.
 */
final class RequestFiberNames {

    /** Paths longer than this are cut: a name is for reading in a dump. */
    static final int MAX_PATH_LENGTH = 120;

    private RequestFiberNames() {
    }

    static String of(String method, String path) {
        if (path.length() > MAX_PATH_LENGTH) {
            path = path.substring(0, MAX_PATH_LENGTH) + "...";
        }
        return method + " " + path;
    }
}
