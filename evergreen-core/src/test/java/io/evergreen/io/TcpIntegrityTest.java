package io.evergreen.io;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.sync.Event;
import io.evergreen.sync.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import static io.evergreen.io.Loopback.CONNECT_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing is lost, duplicated, reordered or interleaved: a large stream in chunks of random sizes, thousands
 * of concurrent connections each exchanging many small messages (client fibers spread over a 2-loop group),
 * and records written to one stream by several fibers and threads at once.
 */
class TcpIntegrityTest {

    private static final Duration LONG_WAIT = Duration.ofSeconds(60);

    /** The size, the CRC32 of the bytes one side saw. */
    private record Checksum(long bytes, long crc) {
    }

    @Test
    void two_hundred_megabytes_in_chunks_of_random_size_come_back_with_the_same_checksum() throws Exception {
        long total = 200L * 1024 * 1024;
        Result<Checksum> serverReceived = new Result<>();
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), stream -> {
                 CRC32 crc = new CRC32();
                 long bytes = 0;
                 ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                 for (int n; (n = stream.read(buffer.clear())) >= 0; ) {
                     crc.update(buffer.array(), 0, n);
                     bytes += n;
                     stream.write(buffer.flip());
                 }
                 serverReceived.complete(new Checksum(bytes, crc.getValue()));
             });
             TcpStream stream = Fiber.builder().loop(group.loop(0))
                     .start(() -> TcpStream.connect(server.localAddress(), CONNECT_TIMEOUT)).join(LONG_WAIT)) {
            // Chunks are random slices of a random pool: cheap to produce, and the CRC of the whole stream still
            // changes if any byte is lost, duplicated or moved.
            byte[] pool = new byte[1024 * 1024 + 64 * 1024];
            new SplittableRandom(42).nextBytes(pool);
            Fiber<Checksum> writer = Fiber.builder().loop(group.loop(0)).start(() -> {
                SplittableRandom random = new SplittableRandom(7);
                CRC32 crc = new CRC32();
                long sent = 0;
                while (sent < total) {
                    int size = (int) Math.min(random.nextInt(1, 64 * 1024 + 1), total - sent);
                    int offset = random.nextInt(pool.length - size + 1);
                    crc.update(pool, offset, size);
                    stream.write(ByteBuffer.wrap(pool, offset, size));
                    sent += size;
                }
                stream.shutdownOutput();
                return new Checksum(sent, crc.getValue());
            });
            Fiber<Checksum> reader = Fiber.builder().loop(group.loop(0)).start(() -> {
                SplittableRandom random = new SplittableRandom(8);
                CRC32 crc = new CRC32();
                long received = 0;
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                buffer.limit(random.nextInt(1, buffer.capacity() + 1));
                for (int n; (n = stream.read(buffer)) >= 0; buffer.clear().limit(random.nextInt(1, buffer.capacity() + 1))) {
                    crc.update(buffer.array(), 0, n);
                    received += n;
                }
                return new Checksum(received, crc.getValue());
            });
            Checksum sent = writer.join(LONG_WAIT);
            assertThat(sent.bytes()).isEqualTo(total);
            assertThat(serverReceived.await(LONG_WAIT)).isEqualTo(sent);
            assertThat(reader.join(LONG_WAIT)).isEqualTo(sent);
        }
    }

    private static final int CONNECTIONS = 2_000;
    private static final int MESSAGES_PER_CONNECTION = 1_000;
    /**
     * Messages a client sends (in one write: tiny writes cost a system call and a loopback segment each, and
     * 2 million of them would dominate the run on 2 cores) before it reads their echoes one by one.
     */
    private static final int MESSAGES_IN_FLIGHT = 50;
    private static final int MESSAGE_BYTES = 16;

    @Test
    void two_thousand_concurrent_connections_each_exchange_a_thousand_messages_intact_and_in_order() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(2);
             TcpServer server = TcpServer.bind(group, Loopback.anyPort(), 2 * CONNECTIONS, stream -> {
                 ByteBuffer buffer = ByteBuffer.allocate(4 * 1024);
                 while (stream.read(buffer.clear()) >= 0) {
                     stream.write(buffer.flip());
                 }
             })) {
            AtomicInteger connected = new AtomicInteger();
            Event allOpen = new Event();
            List<Fiber<Integer>> clients = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                long connection = c;
                clients.add(Fiber.builder().loop(group.loop(c % 2)).start(() -> {
                    try (TcpStream stream = TcpStream.connect(server.localAddress(), LONG_WAIT)) {
                        connected.incrementAndGet();
                        allOpen.await(); // every connection is open on both sides before any exchange starts
                        int intact = 0;
                        for (long first = 0; first < MESSAGES_PER_CONNECTION; first += MESSAGES_IN_FLIGHT) {
                            ByteBuffer batch = ByteBuffer.allocate(MESSAGES_IN_FLIGHT * MESSAGE_BYTES);
                            for (long sequence = first; sequence < first + MESSAGES_IN_FLIGHT; sequence++) {
                                batch.putLong(connection).putLong(sequence);
                            }
                            stream.write(batch.flip());
                            for (long sequence = first; sequence < first + MESSAGES_IN_FLIGHT; sequence++) {
                                ByteBuffer echoed = ByteBuffer.wrap(stream.readExactly(MESSAGE_BYTES));
                                if (echoed.getLong() == connection && echoed.getLong() == sequence) {
                                    intact++;
                                }
                            }
                        }
                        return intact;
                    }
                }));
            }
            // A connect completes in the kernel's backlog; the server accepts a little later.
            await().atMost(LONG_WAIT).until(() -> connected.get() == CONNECTIONS && server.liveConnections() == CONNECTIONS);
            allOpen.set();
            for (Fiber<Integer> client : clients) {
                assertThat(client.join(LONG_WAIT)).isEqualTo(MESSAGES_PER_CONNECTION);
            }
        }
    }

    private static final int WRITERS = 4;
    private static final int RECORDS_PER_WRITER = 500;

    /** A record: writer, sequence number, payload length, then a payload derived from all three. */
    private static ByteBuffer record(int writer, int sequence, int length) {
        ByteBuffer record = ByteBuffer.allocate(12 + length).putInt(writer).putInt(sequence).putInt(length);
        for (int i = 0; i < length; i++) {
            record.put((byte) (writer * 31 + sequence * 7 + i));
        }
        return record.flip();
    }

    @Test
    void records_written_concurrently_by_fibers_of_both_loops_and_a_platform_thread_arrive_whole_and_in_order()
            throws Exception {
        try (ConnectedPair pair = new ConnectedPair()) {
            pair.stream.highWaterMark(32 * 1024); // writers wait on each other's queued bytes now and then
            // The peer parses records as they come: each must be whole (its payload intact), and each writer's
            // records must come in the order that writer wrote them.
            CompletableFuture<int[]> parsed = CompletableFuture.supplyAsync(() -> {
                int[] nextSequence = new int[WRITERS];
                try (DataInputStream in = new DataInputStream(
                        new BufferedInputStream(pair.peer.getInputStream()))) {
                    for (int r = 0; r < WRITERS * RECORDS_PER_WRITER; r++) {
                        int writer = in.readInt();
                        int sequence = in.readInt();
                        int length = in.readInt();
                        byte[] payload = in.readNBytes(length);
                        assertThat(sequence).as("sequence of writer %d", writer).isEqualTo(nextSequence[writer]++);
                        assertThat(ByteBuffer.wrap(payload))
                                .isEqualTo(record(writer, sequence, length).position(12));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return nextSequence;
            });
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Runnable writeAll = () -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    try {
                        for (int sequence = 0; sequence < RECORDS_PER_WRITER; sequence++) {
                            pair.stream.write(record(writer, sequence, random.nextInt(0, 20_000)));
                        }
                        pair.stream.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                writers.add(switch (w) {
                    case 0, 1 -> Fiber.builder().loop(pair.group.loop(0)).start(writeAll).thread();
                    case 2 -> Fiber.builder().loop(pair.group.loop(1)).start(writeAll).thread();
                    default -> Thread.ofPlatform().start(writeAll);
                });
            }
            for (Thread writer : writers) {
                assertThat(writer.join(LONG_WAIT)).isTrue();
            }
            assertThat(parsed.get(LONG_WAIT.toSeconds(), TimeUnit.SECONDS))
                    .containsOnly(RECORDS_PER_WRITER);
        }
    }
}
