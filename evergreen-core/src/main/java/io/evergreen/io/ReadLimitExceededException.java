package io.evergreen.io;

import java.io.IOException;

/**
 * {@link TcpStream#readUntil} or {@link TcpStream#readLine} did not find the delimiter within the allowed
 * number of bytes. Nothing was consumed: the bytes read so far stay in the stream's buffer, where the
 * caller who catches this can still read them ({@link TcpStream#buffered()} says how many there are).
 */
public class ReadLimitExceededException extends IOException {

    private final int limit;
    private final int buffered;

    public ReadLimitExceededException(int limit, int buffered) {
        super("Delimiter not found within " + limit + " bytes; " + buffered + " bytes stay buffered in the stream");
        this.limit = limit;
        this.buffered = buffered;
    }

    public int limit() {
        return limit;
    }

    public int buffered() {
        return buffered;
    }
}
