package io.evergreen.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Bytes read from a channel and not yet consumed: a growable array with a read and a write index,
 * compacted before it grows. Remembers how far a delimiter search got, so that waiting for more bytes does
 * not rescan what was already searched. Used by one reader at a time.
 */
final class ReadBuffer {

    private static final int INITIAL_CAPACITY = 8 * 1024;

    private byte[] bytes = new byte[INITIAL_CAPACITY];
    private int start;
    private int end;
    private ByteBuffer view = ByteBuffer.wrap(bytes);

    int size() {
        return end - start;
    }

    boolean isEmpty() {
        return start == end;
    }

    /**
     * Reads what the channel has into the buffer, making room for at least {@code minRoom} bytes.
     * @return bytes read, 0 when none were ready, -1 at end of stream
     */
    int fillFrom(ReadableByteChannel channel, int minRoom) throws IOException {
        ensureRoom(minRoom);
        view.limit(bytes.length).position(end);
        int n = channel.read(view);
        if (n > 0) {
            end += n;
        }
        return n;
    }

    private void ensureRoom(int minRoom) {
        if (bytes.length - end >= minRoom) {
            return;
        }
        int size = size();
        if (start > 0 && bytes.length - size >= minRoom) {
            System.arraycopy(bytes, start, bytes, 0, size);
        } else {
            bytes = Arrays.copyOfRange(bytes, start, start + Math.max(bytes.length * 2, size + minRoom));
            view = ByteBuffer.wrap(bytes);
        }
        start = 0;
        end = size;
    }

    /** Moves up to {@code dst.remaining()} bytes into {@code dst}. */
    int transferTo(ByteBuffer dst) {
        int n = Math.min(size(), dst.remaining());
        dst.put(bytes, start, n);
        consume(n);
        return n;
    }

    byte[] take(int n) {
        byte[] out = Arrays.copyOfRange(bytes, start, start + n);
        consume(n);
        return out;
    }

    private void consume(int n) {
        start += n;
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    /**
     * Index (relative to the first unconsumed byte) just past the first occurrence of the delimiter that
     * ends within the first {@code limit} bytes, or -1.
     * @param from where to resume the search (relative), from a previous call that found nothing
     */
    int indexAfter(byte[] delimiter, int from, int limit) {
        int last = Math.min(size(), limit) - delimiter.length;
        outer:
        for (int i = Math.max(0, from); i <= last; i++) {
            for (int j = 0; j < delimiter.length; j++) {
                if (bytes[start + i + j] != delimiter[j]) {
                    continue outer;
                }
            }
            return i + delimiter.length;
        }
        return -1;
    }
}
