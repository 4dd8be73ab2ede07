package io.evergreen.demo.reliability;

/** Recursion without end: a {@link StackOverflowError} on any stack. */
final class Recursion {

    private Recursion() {
    }

    /** Never returns normally; the result is used so that the JIT cannot drop the frames. */
    static long deeper(long depth) {
        return deeper(depth + 1) + depth;
    }
}
