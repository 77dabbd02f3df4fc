package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.ingest.mllp.MllpReception;
import uk.linkwell.gateway.testsupport.MllpClient;

/**
 * The MLLP listener holds its size limit (10 MiB here) while it reads, over a real socket: a frame that passes it is
 * answered AR and its connection closed without the rest being read, an unterminated stream is cut off, bytes that
 * are not MLLP close the connection, and ordinary traffic (several messages on one connection, frames split or
 * joined across TCP writes) is unaffected.
 */
@ExtendWith(OutputCaptureExtension.class)
class MllpFramingLimitsTest extends HospitalIngestTestBase {

    private static final int LIMIT = 10 * 1024 * 1024;
    private static final int TWELVE_MB = 12 * 1000 * 1000;

    @Test
    void twelveMegabytesSentAtOnceAreRefusedWithoutReadingThemWhole(CapturedOutput output) throws Exception {
        Visit visit = Visit.fresh();
        String id = AdtMessages.controlId();
        byte[] frame = frame(oversized(visit, id, TWELVE_MB));
        try (Socket socket = socket()) {
            AtomicLong written = new AtomicLong();
            long start = System.nanoTime();
            CompletableFuture<Void> writer =
                    CompletableFuture.runAsync(() -> write(socket, frame, 64 * 1024, 0, written));
            String ack = readAck(socket.getInputStream());
            long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
            assertThat(AdtMessages.err(ack)).contains("|207^");
            assertClosed(socket);
            writer.get(30, TimeUnit.SECONDS);
            System.out.printf("MLLP 12 MB frame sent at once: AR after %d ms%n", refusedMillis);
            // It took 15.5 s when the whole frame was read before the limit was checked.
            assertThat(refusedMillis).as("time to refuse 12 MB").isLessThan(3000);
        }
        Map<String, Object> row = row(id);
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat((String) row.get("LAST_ERROR")).startsWith("207 ").contains("over the limit of " + LIMIT + " bytes");
        assertThat((byte[]) row.get("BODY")).hasSize(MllpReception.OVERSIZE_KEPT_BYTES);
        assertThat(output.getAll())
                .contains("MLLP frame from /127.0.0.1:")
                .contains("over the limit of " + LIMIT + " bytes")
                .doesNotContain(visit.nhsNumber());
    }

    @Test
    void aFrameSentSlowlyIsRefusedOnceItPassesTheLimitNotWhenItEnds() throws Exception {
        String id = AdtMessages.controlId();
        byte[] frame = frame(oversized(Visit.fresh(), id, TWELVE_MB));
        try (Socket socket = socket()) {
            // The first 10 MiB quickly, then the rest 4 KiB every 20 ms: the whole frame would take over 10 s.
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                write(socket, Arrays.copyOf(frame, LIMIT), 64 * 1024, 0, written);
                write(socket, Arrays.copyOfRange(frame, LIMIT, frame.length), 4096, 20, written);
            });
            String ack = readAck(socket.getInputStream());
            long atAck = written.get();
            assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
            assertClosed(socket);
            writer.get(30, TimeUnit.SECONDS);
            assertThat(atAck).as("bytes sent when the AR came").isLessThan(frame.length);
            assertThat(written.get()).as("bytes the sender could send at all").isLessThan(frame.length);
        }
        assertThat(row(id).get("STATUS")).isEqualTo("rejected");
    }

    @Test
    void anUnterminatedStreamIsCutOff() throws Exception {
        String id = AdtMessages.controlId();
        byte[] head = frame(AdtMessages.admit(Visit.fresh(), id).getBytes(StandardCharsets.US_ASCII));
        // A start block and a message, then 64 MB of segments and never an end block.
        byte[] chunk = ("ZXX|" + "A".repeat(1019) + "\r").repeat(64).getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = socket()) {
            AtomicLong written = new AtomicLong();
            long start = System.nanoTime();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                write(socket, Arrays.copyOf(head, head.length - 2), 64 * 1024, 0, written);
                for (int i = 0; i < 1000 && write(socket, chunk, chunk.length, 0, written); i++) {
                    // on until the listener hangs up
                }
            });
            assertThat(AdtMessages.ackCode(readAck(socket.getInputStream()))).isEqualTo("AR");
            assertClosed(socket);
            writer.get(30, TimeUnit.SECONDS);
            long cutOffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(written.get()).as("bytes accepted before the cut").isLessThan(2L * LIMIT);
            assertThat(cutOffMillis).isLessThan(5000);
        }
        assertThat(row(id).get("STATUS")).isEqualTo("rejected");
    }

    @Test
    void bytesWithoutAStartBlockCloseTheConnectionAtOnce(CapturedOutput output) throws Exception {
        try (Socket socket = socket()) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertClosed(socket);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        }
        assertThat(output.getAll()).contains("bytes that do not start with an MLLP start block");
    }

    @Test
    void severalMessagesOnOneConnectionAreEachAcknowledged() throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            for (int i = 0; i < 3; i++) {
                String ack = client.send(AdtMessages.admit(Visit.fresh(), AdtMessages.controlId()));
                assertThat(AdtMessages.ackCode(ack)).isEqualTo("AA");
            }
        }
    }

    @Test
    void framesJoinedInOneWriteOrSplitAcrossWritesAreEachAcknowledged() throws Exception {
        String first = AdtMessages.controlId();
        String second = AdtMessages.controlId();
        String third = AdtMessages.controlId();
        byte[] two = concat(
                frame(AdtMessages.admit(Visit.fresh(), first).getBytes(StandardCharsets.US_ASCII)),
                "\r\n".getBytes(StandardCharsets.US_ASCII),
                frame(AdtMessages.admit(Visit.fresh(), second).getBytes(StandardCharsets.US_ASCII)));
        byte[] split = frame(AdtMessages.admit(Visit.fresh(), third).getBytes(StandardCharsets.US_ASCII));
        try (MllpClient client = new MllpClient(mllpPort())) {
            // Two frames in one write, with a line end between them as some senders add.
            client.writeRaw(two);
            assertThat(client.readAck()).contains("MSA|AA|" + first);
            assertThat(client.readAck()).contains("MSA|AA|" + second);
            // One frame in three writes, the last two bytes of its end block apart.
            client.writeRaw(Arrays.copyOf(split, 40));
            Thread.sleep(50);
            client.writeRaw(Arrays.copyOfRange(split, 40, split.length - 1));
            Thread.sleep(50);
            client.writeRaw(Arrays.copyOfRange(split, split.length - 1, split.length));
            assertThat(client.readAck()).contains("MSA|AA|" + third);
        }
    }

    @Test
    void aMessageOfExactlyTheLimitIsAccepted() throws Exception {
        String id = AdtMessages.controlId();
        byte[] body = oversized(Visit.fresh(), id, LIMIT);
        assertThat(body).hasSize(LIMIT);
        assertThat(AdtMessages.ackCode(send(body))).isEqualTo("AA");
        assertThat((byte[]) awaitStatus(id, "done").get("BODY")).hasSize(LIMIT);
    }

    /** An admission padded with Z-segments to exactly {@code size} bytes. */
    private static byte[] oversized(Visit visit, String controlId, int size) {
        StringBuilder message = new StringBuilder(AdtMessages.admit(visit, controlId));
        String filler = "ZXX|" + "A".repeat(1019) + "\r";
        while (message.length() + filler.length() <= size) {
            message.append(filler);
        }
        int rest = size - message.length();
        if (rest > 0) {
            message.append("ZXX|").append("A".repeat(Math.max(0, rest - 5))).append('\r');
        }
        return message.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] frame(byte[] message) {
        return concat(new byte[] {0x0B}, message, new byte[] {0x1C, 0x0D});
    }

    private static byte[] concat(byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket("127.0.0.1", mllpPort());
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** Writes in chunks, pausing between them; false once the listener has closed the connection. */
    private static boolean write(Socket socket, byte[] bytes, int chunk, long pauseMillis, AtomicLong written) {
        try {
            OutputStream out = socket.getOutputStream();
            for (int at = 0; at < bytes.length; at += chunk) {
                int n = Math.min(chunk, bytes.length - at);
                out.write(bytes, at, n);
                written.addAndGet(n);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
            out.flush();
            return true;
        } catch (IOException closedByTheListener) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String readAck(InputStream in) throws IOException {
        int b;
        while ((b = in.read()) != 0x0B) {
            if (b < 0) {
                throw new IOException("connection closed before an ACK");
            }
        }
        StringBuilder ack = new StringBuilder();
        while ((b = in.read()) != 0x1C) {
            if (b < 0) {
                throw new IOException("connection closed inside an ACK");
            }
            ack.append((char) b);
        }
        return ack.toString();
    }

    /** The listener has closed the connection: end of stream (or a reset), not a read timeout. */
    private static void assertClosed(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        try {
            int b;
            do {
                b = in.read();
            } while (b == 0x0D);
            assertThat(b).as("end of stream").isEqualTo(-1);
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the connection is still open 5 s later", stillOpen);
        } catch (IOException reset) {
            // A reset is a close too: the listener hung up with bytes of ours still unread.
        }
    }
}
