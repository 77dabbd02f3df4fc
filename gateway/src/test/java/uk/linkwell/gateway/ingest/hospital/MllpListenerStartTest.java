package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import uk.linkwell.gateway.ingest.gp.ReferralReception;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.ingest.mllp.MllpInbound;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;

/**
 * The MLLP listener of a gateway just started (its own, on a fresh PostgreSQL database, with a 1 s idle timeout):
 * the first message is acknowledged promptly, a silent connection is closed after the idle timeout while a busy one
 * stays open, and a sender that hangs up before its ACK is one INFO line with the control id, its message stored.
 */
@ExtendWith({PostgresDatabaseExtension.class, OutputCaptureExtension.class})
class MllpListenerStartTest {

    private static GatewayInstance gateway;
    private static String firstControlId;
    private static String firstAck;
    private static long firstAckMillis;
    private static double firstReceptionMillis;

    @BeforeAll
    static void startAndSendTheFirstMessage() throws Exception {
        gateway = GatewayInstance.onPostgres("mllp_start", Map.of("linkwell.hospital.mllp.idle-timeout", "1s"));
        firstControlId = AdtMessages.controlId();
        String message = AdtMessages.admit(Visit.fresh(), firstControlId);
        try (MllpClient client = new MllpClient(gateway.mllpPort())) {
            long start = System.nanoTime();
            firstAck = client.send(message);
            firstAckMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
        // The part the warm-up is for: from the frame to its ACK inside the gateway (read, check, store).
        firstReceptionMillis = gateway.bean(MeterRegistry.class)
                .get("linkwell.ingest.ack.time")
                .timer()
                .max(TimeUnit.MILLISECONDS);
        System.out.printf(
                "MLLP first ACK after start: %d ms at the sender, %.0f ms in reception%n",
                firstAckMillis, firstReceptionMillis);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void theFirstMessageAfterAStartIsAcknowledgedPromptly() {
        assertThat(AdtMessages.ackCode(firstAck)).isEqualTo("AA");
        // Without the warm-up the reception of the first message alone took 500 ms on a busy two-core machine
        // (75 ms with it), and the whole first ACK up to seconds; both bounds are generous.
        assertThat(firstReceptionMillis).as("first message in reception, ms").isLessThan(400);
        assertThat(firstAckMillis).as("first ACK after start, ms").isLessThan(3000);
        assertThat(status(firstControlId)).isNotNull();
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

    @Test
    void aSenderThatHangsUpBeforeItsAckIsOneInfoLineWithTheControlId(CapturedOutput output) throws Exception {
        String controlId = AdtMessages.controlId();
        try (MllpClient client = new MllpClient(gateway.mllpPort())) {
            client.sendOnly(AdtMessages.admit(Visit.fresh(), controlId).getBytes(StandardCharsets.US_ASCII));
        }
        // Stored before the ACK was written, so stored whatever became of the ACK.
        await().atMost(Duration.ofSeconds(30)).until(() -> status(controlId) != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> output.getAll()
                .lines()
                .anyMatch(line -> line.contains(controlId) && line.contains("closed the connection before its ACK")));
        List<String> lines =
                output.getAll().lines().filter(line -> line.contains(controlId)).toList();
        assertThat(lines)
                .filteredOn(line -> line.contains("before its ACK"))
                .hasSize(1)
                .allSatisfy(line -> assertThat(line).contains(" INFO ").contains("AA"));
        // Not the WARN of a connection error, and no stack trace.
        assertThat(output.getAll())
                .doesNotContain("MLLP connection closed after an error")
                .doesNotContain("ClosedChannelException")
                .doesNotContain("\tat ");
    }

    @Test
    void theWarmUpMessagesAreCheckedInFull() throws Exception {
        // A refused sample would leave part of the mapper cold; check() throws on a refusal.
        for (MllpInbound kind : List.of(gateway.bean(AdtReception.class), gateway.bean(ReferralReception.class))) {
            kind.check(kind.warmUpMessage(), Instant.now());
        }
    }

    private static String status(String controlId) {
        return gateway
                .jdbc()
                .queryForList("SELECT STATUS FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?", String.class, controlId)
                .stream()
                .findFirst()
                .orElse(null);
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
