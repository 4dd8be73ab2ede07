package io.evergreen.demo.webflux.orders;

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
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A database that is down, unreachable or too slow answers {@code 503 Service Unavailable} with {@code Retry-After},
 * as in demo-app (see its {@code DatabaseUnavailableHandler} for which failures these are). Other data-access errors
 * stay 500s: retrying would not help.
 */
@RestControllerAdvice
class DatabaseUnavailableHandler {

    private static final Logger logger = LoggerFactory.getLogger(DatabaseUnavailableHandler.class);

    /** Seconds a client is asked to wait. */
    static final String RETRY_AFTER_SECONDS = "1";

    @ExceptionHandler({ DataAccessResourceFailureException.class, QueryTimeoutException.class,
            TransientDataAccessResourceException.class })
    ResponseEntity<ProblemDetail> databaseUnavailable(DataAccessException failure, ServerHttpRequest request) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        logger.warn("{} {}: database unavailable: {}", request.getMethod(), request.getPath(), cause.toString());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The database is unavailable or did not answer in time; try again later.");
        problem.setTitle("Database unavailable");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
            .body(problem);
    }
}
