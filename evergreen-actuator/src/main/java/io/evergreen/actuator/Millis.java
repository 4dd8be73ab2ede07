package io.evergreen.actuator;

import java.time.Duration;

/** Durations as the endpoints show them: milliseconds with microsecond precision. */
final class Millis {

    private Millis() {
    }

    static double of(Duration duration) {
        return ofNanos(duration.toNanos());
    }

    static double ofNanos(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
