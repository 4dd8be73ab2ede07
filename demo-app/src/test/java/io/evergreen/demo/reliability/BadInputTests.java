package io.evergreen.demo.reliability;

import io.evergreen.loop.EventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests no well-behaved client sends, over raw sockets. Tomcat parses HTTP on the request's fiber, so each
 * of these runs Tomcat's error paths on a loop: the demo must answer as Tomcat does (the statuses asserted here
 * are Tomcat 11.0's), keep serving, and leave no fiber behind ({@link #leavesNoFiberAndKeepsServing()}, after
 * every test).
 * <p>
 * Tomcat 11.0 answers headers over {@code server.max-http-request-header-size} with 400, not 431: it reports the
 * header block as too large while parsing, before it has a request to answer 431 to.
 */
@Timeout(120)
class BadInputTests extends AbstractReliabilityTests {

    @AfterEach
    void leavesNoFiberAndKeepsServing() throws Exception {
        awaitNoFiberLeft();
        assertServesNormally();
        awaitNoFiberLeft();
    }

    static Stream<Arguments> malformedRequestLines() {
        return Stream.of(
                Arguments.of("not HTTP at all", "GARBAGE\r\n\r\n"),
                Arguments.of("a method that is not a token", "G{T /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                Arguments.of("a space inside the target", "GET /hel lo HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                Arguments.of("a character not allowed in the target", "GET /hel<lo HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequestLines")
    void a_malformed_request_line_is_answered_400_and_the_connection_closed(String what, String request)
            throws Exception {
        assertAnsweredAndClosed(request, 400);
    }

    /** Tomcat closes the connection without saying so in a header: it does not speak the client's version. */
    @Test
    void an_unknown_http_version_is_answered_505_and_the_connection_closed() throws Exception {
        assertThat(answer("GET /hello HTTP/9.9\r\nHost: localhost\r\n\r\n").status()).isEqualTo(505);
    }

    static Stream<Arguments> invalidHeaders() {
        return Stream.of(
                Arguments.of("a line without a colon", "No-Colon-Here"),
                Arguments.of("a name that is not a token", "Bad{Name: value"),
                Arguments.of("white space before the colon", "Spaced : value"),
                Arguments.of("a control character in the value", "X-Control: a\u0001b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidHeaders")
    void invalid_header_syntax_is_answered_400_and_the_connection_closed(String what, String header)
            throws Exception {
        assertAnsweredAndClosed("GET /hello HTTP/1.1\r\nHost: localhost\r\n" + header + "\r\n\r\n", 400);
    }

    @Test
    void an_http_1_1_request_without_host_is_answered_400() throws Exception {
        assertAnsweredAndClosed("GET /hello HTTP/1.1\r\n\r\n", 400);
    }

    static Stream<Arguments> oversizedHeaders() {
        String tooLong = "a".repeat(MAX_HEADER_BYTES + 1024);
        return Stream.of(
                Arguments.of("one header value over the limit",
                        "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Big: " + tooLong + "\r\n\r\n"),
                Arguments.of("many small headers over the limit together",
                        "GET /hello HTTP/1.1\r\nHost: localhost\r\n" + "X-Small: value\r\n".repeat(MAX_HEADER_BYTES / 8)
                                + "\r\n"),
                Arguments.of("a request line over the limit", "GET /hello?" + tooLong + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oversizedHeaders")
    void headers_over_the_size_limit_are_answered_400_and_the_connection_closed(String what, String request)
            throws Exception {
        assertThat(request.length()).isGreaterThan(MAX_HEADER_BYTES);
        assertAnsweredAndClosed(request, 400);
    }

    @Test
    void a_request_that_stops_mid_headers_and_ends_its_stream_gets_no_response() throws Exception {
        try (RawHttp connection = RawHttp.connect(port)) {
            RawHttp.Response response = connection.send("GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Partial: ab")
                .finishSending()
                .readResponse();
            assertThat(response.closedWithoutResponse()).as("%s", response).isTrue();
        }
    }

    @Test
    void a_request_that_stops_mid_headers_and_resets_its_connection_leaves_nothing_behind() throws Exception {
        RawHttp connection = RawHttp.connect(port);
        long started = fibersStarted();
        connection.send("GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Partial: ab");
        await().alias("Tomcat read the partial request").until(() -> fibersStarted() > started);
        connection.abort();
    }

    /**
     * Slowloris: clients that send their headers a piece at a time. Between pieces Tomcat keeps a request's parse
     * state with its connection and waits for more in its poller, so the fiber that read a piece ends: waiting
     * clients hold sockets, not fibers, nor {@code max-in-flight} permits.
     */
    @Test
    void requests_whose_headers_arrive_in_pieces_hold_no_fiber_between_pieces_and_are_served() throws Exception {
        int clients = 20;
        List<RawHttp> connections = new ArrayList<>();
        try {
            long started = fibersStarted();
            for (int i = 0; i < clients; i++) {
                connections.add(RawHttp.connect(port).send("GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Slow: a"));
            }
            // Each connection's first piece is read on a fiber of its own, which then ends.
            await().alias("Tomcat read every first piece").until(() -> fibersStarted() - started >= clients);
            awaitNoFiberLeft();

            for (RawHttp connection : connections) {
                connection.send("bc\r\nConnection: close\r\n\r\n");
            }
            for (RawHttp connection : connections) {
                RawHttp.Response response = connection.readResponse();
                assertThat(response.status()).as("%s", response).isEqualTo(200);
                assertThat(response.body()).isEqualTo("Hello, World!");
            }
        } finally {
            for (RawHttp connection : connections) {
                connection.close();
            }
        }
    }

    /**
     * A body shorter than its {@code Content-Length}: the request is in the application, its fiber parked in a
     * read of the rest, holding a {@code max-in-flight} permit, until the client goes (or Tomcat's connection
     * timeout answers 408). When the client resets the connection, the read fails, the request ends, and no
     * order is placed.
     */
    @Test
    void a_request_whose_body_stops_short_holds_its_fiber_until_the_client_aborts_and_places_no_order()
            throws Exception {
        String ordersBefore = recentOrders();
        RawHttp connection = RawHttp.connect(port);
        connection.send("POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"item\":\"half\"");

        await().alias("the request waits for the rest of its body")
            .until(() -> liveFibers() == 1 && maxInFlight.getFilter().getInFlight() == 1);
        connection.abort();

        awaitNoFiberLeft();
        assertThat(recentOrders()).isEqualTo(ordersBefore);
    }

    private void assertAnsweredAndClosed(String request, int status) throws Exception {
        RawHttp.Response response = answer(request);
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.header("Connection")).as("%s", response).isEqualTo("close");
    }

    /**
     * Sends the request and reads the response to the end of the stream. The request does not ask for the
     * connection to be closed: that the read ends shows that the server closed it of its own accord.
     */
    private RawHttp.Response answer(String request) throws Exception {
        try (RawHttp connection = RawHttp.connect(port)) {
            return connection.send(request).readResponse();
        }
    }

    private String recentOrders() throws Exception {
        try (RawHttp connection = RawHttp.connect(port)) {
            RawHttp.Response response = connection.send(RawHttp.get("/orders?limit=100")).readResponse();
            assertThat(response.status()).as("%s", response).isEqualTo(200);
            return response.body();
        }
    }

    private long fibersStarted() {
        return loops.loops().stream().map(EventLoop::stats).mapToLong(stats -> stats.fibersStarted()).sum();
    }
}
