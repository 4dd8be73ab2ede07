package io.evergreen.benchmarks.echo;

import org.HdrHistogram.Histogram;

/**
 * What one measurement window of the client saw: completed round trips and their latencies (nanoseconds).
 * @param roundTrips echoes completed inside the window
 * @param seconds the window's length
 * @param latencyNanos round-trip times of the echoes completed inside the window
 */
record LoadResult(long roundTrips, double seconds, Histogram latencyNanos) {

    double messagesPerSecond() {
        return roundTrips / seconds;
    }

    double percentileMicros(double percentile) {
        return latencyNanos.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMicros() {
        return latencyNanos.getMaxValue() / 1000.0;
    }
}
