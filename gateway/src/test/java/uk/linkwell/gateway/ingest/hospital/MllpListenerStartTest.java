package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;

/**
 * The MLLP listener of a gateway of its own (on a fresh PostgreSQL database, with a 1 s idle timeout): a silent
 * connection is closed after the idle timeout while a busy one stays open.
 */
@ExtendWith({PostgresDatabaseExtension.class, OutputCaptureExtension.class})
class MllpListenerStartTest {

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayInstance.onPostgres("mllp_idle", Map.of("linkwell.hospital.mllp.idle-timeout", "1s"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeout(CapturedOutput output) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.mllpPort())) {
            long start = System.nanoTime();
            assertClosedWithin(socket, Duration.ofSeconds(10));
            long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(closedMillis).isBetween(900L, 5000L);
        }
        assertThat(output.getAll()).contains("nothing sent or received for longer than the idle timeout");
    }

    @Test
    void aSenderSilentInsideAFrameIsClosedToo() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.mllpPort())) {
            byte[] message =
                    AdtMessages.admit(Visit.fresh(), AdtMessages.controlId()).getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(0x0B);
            socket.getOutputStream().write(Arrays.copyOf(message, 30));
            long start = System.nanoTime();
            assertClosedWithin(socket, Duration.ofSeconds(10));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 5000L);
        }
    }

    @Test
    void aConnectionInUseStaysOpenPastTheIdleTimeout() throws Exception {
        try (MllpClient client = new MllpClient(gateway.mllpPort())) {
            for (int i = 0; i < 4; i++) {
                Thread.sleep(600);
                assertThat(AdtMessages.ackCode(client.send(AdtMessages.admit(Visit.fresh(), AdtMessages.controlId()))))
                        .isEqualTo("AA");
            }
        }
    }

    private static void assertClosedWithin(Socket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        try {
            assertThat(in.read()).as("end of stream").isEqualTo(-1);
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the connection is still open after " + timeout, stillOpen);
        }
    }
}
