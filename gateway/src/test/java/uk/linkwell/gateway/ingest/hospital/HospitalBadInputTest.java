package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.ingest.mllp.MllpReception;
import uk.linkwell.gateway.testsupport.MllpClient;

/**
 * Bad input over MLLP: each gets a specific ACK, is kept in the store as rejected with its reason (or, within the
 * size limit, accepted), and the listener goes on answering good messages.
 */
class HospitalBadInputTest extends HospitalIngestTestBase {

    /** After every bad input, a good message on a new connection is still acknowledged AA. */
    @AfterEach
    void listenerStillAnswersTheNextGoodMessage() throws Exception {
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(Visit.fresh(), AdtMessages.controlId()))))
                .isEqualTo("AA");
    }

    @Test
    void emptyMessage() throws Exception {
        String ack = send(new byte[0]);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||MSH^1|100^");
        // An empty body has no control id to find it by: the newest rejected empty row.
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT * FROM LW_INBOUND_MESSAGE WHERE OCTET_LENGTH(BODY) = 0" + " ORDER BY ID DESC LIMIT 1");
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat((String) row.get("LAST_ERROR")).startsWith("100 ");
    }

    @Test
    void garbageBytes() throws Exception {
        byte[] garbage = new byte[2048];
        ThreadLocalRandom.current().nextBytes(garbage);
        for (int i = 0; i < garbage.length; i++) {
            // No MLLP framing bytes inside the frame.
            if (garbage[i] == 0x0B || garbage[i] == 0x1C) {
                garbage[i] = 'x';
            }
        }
        String ack = send(garbage);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        // Not a message start (100), or first not text in the default charset (102 at MSH-18).
        assertThat(AdtMessages.err(ack)).matches("ERR\\|\\|MSH\\^1.*\\|10[02]\\^.*");
        assertRejected(rowWithBody(garbage), "10");
    }

    @Test
    void bytesWithoutMllpFramingDoNotStopTheListener() throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            client.writeRaw("this is not MLLP at all\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        // Checked by the @AfterEach: the next good message is answered.
    }

    @Test
    void missingPid() throws Exception {
        String id = AdtMessages.controlId();
        String message = AdtMessages.admit(Visit.fresh(), id).replaceAll("PID\\|[^\r]*\r", "");
        String ack = send(message);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||PID^1|100^");
        assertRejected(row(id), "100 ");
    }

    @Test
    void nhsNumberWithABadCheckDigit() throws Exception {
        Visit visit = Visit.fresh();
        String good = visit.nhsNumber();
        String bad = good.substring(0, 9) + ((good.charAt(9) - '0' + 1) % 10);
        String id = AdtMessages.controlId();
        String ack = send(AdtMessages.admit(new Visit(bad, visit.hospitalNumber(), visit.visitNumber()), id));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||PID^1^3^1^1|102^");
        Map<String, Object> row = assertRejected(row(id), "102 ");
        assertThat((String) row.get("LAST_ERROR")).doesNotContain(bad);
    }

    @Test
    void unknownEventType() throws Exception {
        String id = AdtMessages.controlId();
        String ack = send(AdtMessages.admit(Visit.fresh(), id).replace("ADT^A01^ADT_A01", "ADT^A99^ADT_A01"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||MSH^1^9^1^2|201^");
        Map<String, Object> row = assertRejected(row(id), "201 ");
        assertThat(row.get("MESSAGE_TYPE")).isEqualTo("ADT^A99");
    }

    @Test
    void wrongFieldSeparators() throws Exception {
        String id = AdtMessages.controlId();
        // MSH declares '|' but the other segments use '#'.
        String message = AdtMessages.admit(Visit.fresh(), id);
        int pid = message.indexOf("\rEVN");
        message = message.substring(0, pid) + message.substring(pid).replace('|', '#');
        String ack = send(message);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).matches("ERR\\|\\|[A-Z0-9]{3}\\^1.*\\|10[02]\\^.*");
        assertRejected(row(id), "10");
    }

    @Test
    void truncatedMessage() throws Exception {
        String id = AdtMessages.controlId();
        String message = AdtMessages.admit(Visit.fresh(), id);
        String truncated = message.substring(0, message.indexOf("PID|1||") + "PID|1||99".length());
        String ack = send(truncated);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).contains("|PID^1");
        assertRejected(row(id), "10");
    }

    @Test
    void fiveMegabyteMessageIsWithinTheLimitAndApplied() throws Exception {
        String id = AdtMessages.controlId();
        StringBuilder message = new StringBuilder(AdtMessages.admit(Visit.fresh(), id));
        String filler = "ZXX|" + "A".repeat(1020) + "\r";
        while (message.length() < 5 * 1024 * 1024) {
            message.append(filler);
        }
        byte[] body = message.toString().getBytes(StandardCharsets.US_ASCII);
        assertThat(AdtMessages.ackCode(send(body))).isEqualTo("AA");
        Map<String, Object> row = awaitStatus(id, "done");
        assertThat((byte[]) row.get("BODY")).hasSize(body.length);
    }

    @Test
    void messageOverTheSizeLimitIsRefusedAndKeptInPart() throws Exception {
        String id = AdtMessages.controlId();
        StringBuilder message = new StringBuilder(AdtMessages.admit(Visit.fresh(), id));
        String filler = "ZXX|" + "A".repeat(1020) + "\r";
        while (message.length() <= 10 * 1024 * 1024) {
            message.append(filler);
        }
        String ack = send(message.toString());
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).contains("|207^");
        Map<String, Object> row = assertRejected(row(id), "207 ");
        assertThat((String) row.get("LAST_ERROR")).contains("over the limit of 10485760 bytes");
        assertThat((byte[]) row.get("BODY")).hasSize(MllpReception.OVERSIZE_KEPT_BYTES);
    }

    @Test
    void latin1BodyDeclaredAsUtf8IsRefusedAndKeptExactly() throws Exception {
        String id = AdtMessages.controlId();
        byte[] body = AdtMessages.admit(Visit.fresh(), id)
                .replace("TESTPERSON^SAM", "TESTPERSON^RENÉE")
                .getBytes(StandardCharsets.ISO_8859_1);
        String ack = send(body);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||MSH^1^18^1|102^");
        Map<String, Object> row = assertRejected(row(id), "102 ");
        assertThat((byte[]) row.get("BODY")).isEqualTo(body);
    }

    @Test
    void latin1BodyDeclaredAs8859IsAcceptedAndDecodedByItsCharset() throws Exception {
        Visit visit = Visit.fresh();
        String id = AdtMessages.controlId();
        byte[] body = AdtMessages.admit(visit, id)
                .replace("UNICODE UTF-8", "8859/1")
                .replace("TESTPERSON^SAM", "TESTPERSON^RENÉE")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(AdtMessages.ackCode(send(body))).isEqualTo("AA");
        Map<String, Object> row = awaitStatus(id, "done");
        assertThat(row.get("CHARSET")).isEqualTo("ISO-8859-1");
        assertThat((byte[]) row.get("BODY")).isEqualTo(body);
        Patient patient = (Patient) search("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + visit.nhsNumber())
                .getEntryFirstRep()
                .getResource();
        assertThat(patient.getNameFirstRep().getGivenAsSingleString()).isEqualTo("RENÉE");
    }

    private Map<String, Object> assertRejected(Map<String, Object> row, String reasonStart) {
        assertThat(row).as("stored row").isNotNull();
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat((String) row.get("LAST_ERROR")).startsWith(reasonStart);
        return row;
    }
}
