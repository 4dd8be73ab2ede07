package io.evergreen.demo.fanout;

import java.time.Duration;

/**
 * A slow dependency the fan-out calls: a remote service in a real application. The demo's default is a blocking
 * sleep; tests replace it.
 */
public interface Downstream {

    /** Calls the dependency for part {@code index} of a request; blocks for about {@code latency}. */
    String call(int index, Duration latency) throws Exception;
}
