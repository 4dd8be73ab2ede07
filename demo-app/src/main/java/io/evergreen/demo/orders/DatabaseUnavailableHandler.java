package io.evergreen.demo.orders;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A database that is down, unreachable or too slow is not a bug of the request: it is answered {@code 503
 * Service Unavailable} with {@code Retry-After}, as the starter's own overload limit answers, instead of a
 * generic 500. These are the failures HikariCP and the driver end with when their timeouts expire: no connection
 * within {@code spring.datasource.hikari.connection-timeout} (a {@link DataAccessResourceFailureException}), a
 * socket that stops answering past the driver's {@code socketTimeout} (SQL state class 08, the same), a statement
 * cancelled by {@code statement_timeout} ({@link QueryTimeoutException}). Other data-access errors (bad SQL, a
 * violated constraint) stay 500s: retrying would not help.
 */
@RestControllerAdvice
class DatabaseUnavailableHandler {

    private static final Logger logger = LoggerFactory.getLogger(DatabaseUnavailableHandler.class);

    /** Seconds a client is asked to wait: a pool that lost its database tries again at once, but not faster. */
    static final String RETRY_AFTER_SECONDS = "1";

    @ExceptionHandler({ DataAccessResourceFailureException.class, QueryTimeoutException.class,
            TransientDataAccessResourceException.class })
    ResponseEntity<ProblemDetail> databaseUnavailable(DataAccessException failure, HttpServletRequest request) {
        // One line, no stack: during an outage every request ends here. The direct cause says which timeout ended
        // it (the pool's: "Connection is not available, request timed out after ..."; the driver's: "An I/O
        // error occurred ..."); deeper causes are the last symptom seen, not the reason.
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        logger.warn("{} {}: database unavailable: {}", request.getMethod(), request.getRequestURI(), cause.toString());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The database is unavailable or did not answer in time; try again later.");
        problem.setTitle("Database unavailable");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
            .body(problem);
    }
}
