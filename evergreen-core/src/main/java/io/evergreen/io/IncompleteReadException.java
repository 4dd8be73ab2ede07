package io.evergreen.io;

import java.io.EOFException;

/**
 * The peer closed its side (end of stream) before the requested bytes or delimiter arrived. End of stream is
 * reported by this {@link EOFException}, never confused with an error. The bytes that did arrive stay in the
 * stream's buffer (see {@link TcpStream#buffered()}): a plain {@link TcpStream#read} returns them.
 */
public class IncompleteReadException extends EOFException {

    private final int expected;
    private final int buffered;

    public IncompleteReadException(String what, int expected, int buffered) {
        super("End of stream before " + what + ": " + buffered + " bytes buffered" + (expected > 0 ? ", " + expected + " expected" : ""));
        this.expected = expected;
        this.buffered = buffered;
    }

    /** Bytes asked for, or -1 when waiting for a delimiter. */
    public int expected() {
        return expected;
    }

    public int buffered() {
        return buffered;
    }
}
