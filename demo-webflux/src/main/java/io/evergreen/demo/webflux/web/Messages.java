package io.evergreen.demo.webflux.web;

/** The bodies of {@code /json} and {@code /sleep}, as demo-app answers them. */
final class Messages {

    static final String HELLO = "Hello, World!";

    /** The longest sleep a caller may ask for: the demo must not be a way to hold connections forever. */
    static final long MAX_SLEEP_MILLIS = 60_000;

    private Messages() {
    }

    static boolean isValidSleep(long ms) {
        return ms >= 0 && ms <= MAX_SLEEP_MILLIS;
    }

    record Message(String message) {
    }

    record Slept(long sleptMillis) {
    }
}
