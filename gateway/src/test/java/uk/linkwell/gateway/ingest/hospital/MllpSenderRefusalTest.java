package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.gp.ReferralReception;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Only configured MLLP senders are taken: an unknown sending facility, or a known one from an address not its own,
 * gets AR with an ERR at MSH-4 that echoes neither, is stored rejected with the reason, and changes nothing; the
 * listener goes on answering. The test configuration allows RWELL and Y88001 from this machine and FARAWAY only
 * from 192.0.2.1.
 */
class MllpSenderRefusalTest extends HospitalIngestTestBase {

    static final String SENDER_ERR = "ERR||MSH^1^4^1|207^Application internal error^HL70357|E||||"
            + "sending facility not allowed from this address";

    @Test
    void unknownSendingFacilityIsRefusedAndStoredAndTheNextGoodMessageIsAccepted() throws Exception {
        Visit visit = Visit.fresh();
        String controlId = AdtMessages.controlId();
        String ack = send(AdtMessages.admit(visit, controlId).replace("|PAS|RWELL|", "|PAS|NOSUCHTRUST|"));

        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).isEqualTo(SENDER_ERR);
        assertThat(AdtMessages.err(ack)).doesNotContain("NOSUCHTRUST").doesNotContain("127.0.0.1");
        Map<String, Object> row = assertRefusedAndStored(controlId, AdtReception.SOURCE, "NOSUCHTRUST");
        assertThat(row.get("MESSAGE_TYPE")).isEqualTo("ADT^A01");
        // Nothing of it reaches the FHIR store: rejected rows are never claimed.
        assertThat(search("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + visit.nhsNumber())
                        .getEntry())
                .isEmpty();

        String next = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(Visit.fresh(), next))))
                .isEqualTo("AA");
        awaitStatus(next, "done");
    }

    @Test
    void knownFacilityFromAnAddressNotItsOwnIsRefusedAndStored() throws Exception {
        String controlId = AdtMessages.controlId();
        String ack = send(AdtMessages.admit(Visit.fresh(), controlId).replace("|PAS|RWELL|", "|PAS|FARAWAY|"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).isEqualTo(SENDER_ERR);
        assertRefusedAndStored(controlId, AdtReception.SOURCE, "FARAWAY");
    }

    @Test
    void allowedFacilityFromItsOwnAddressIsAccepted() throws Exception {
        String controlId = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(Visit.fresh(), controlId))))
                .isEqualTo("AA");
        assertThat(awaitStatus(controlId, "done").get("SENDER")).isEqualTo(AdtMessages.FACILITY);
    }

    @Test
    void facilityIsComparedWithoutRegardToCase() throws Exception {
        String controlId = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(
                        send(AdtMessages.admit(Visit.fresh(), controlId).replace("|PAS|RWELL|", "|PAS|rwell|"))))
                .isEqualTo("AA");
    }

    @Test
    void referralFromAnUnknownPracticeIsRefusedBeforeItIsChecked() throws Exception {
        String controlId = AdtMessages.controlId();
        // Also without PID: the sender is refused before anything beyond MSH is read.
        String message = ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), controlId, "R")
                .replace("|EMISWEB|" + ReferralMessages.PRACTICE + "|", "|EMISWEB|Y99999|")
                .replaceAll("PID\\|[^\r]*\r", "");
        String ack = send(message);
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).isEqualTo(SENDER_ERR);
        assertRefusedAndStored(controlId, ReferralReception.SOURCE, "Y99999");
    }

    @Test
    void messageOfAnotherTypeFromAnAllowedSenderIsRefusedAtMsh9() throws Exception {
        String controlId = AdtMessages.controlId();
        String ack = send(AdtMessages.admit(Visit.fresh(), controlId).replace("ADT^A01^ADT_A01", "ORU^R01^ORU_R01"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack))
                .startsWith("ERR||MSH^1^9^1^1|200^Unsupported message type^HL70357|E||||"
                        + "this listener takes ADT and REF messages");
        Map<String, Object> row = row(controlId);
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat((String) row.get("LAST_ERROR")).startsWith("200 ");
    }

    private Map<String, Object> assertRefusedAndStored(String controlId, String source, String sender) {
        Map<String, Object> row = row(controlId);
        assertThat(row).as("stored row").isNotNull();
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat(row.get("SOURCE")).isEqualTo(source);
        assertThat(row.get("SENDER")).isEqualTo(sender);
        // The store keeps what operations need to fix the configuration: which address it came from.
        assertThat((String) row.get("LAST_ERROR"))
                .startsWith("207 Application internal error at MSH-4: "
                        + "sending facility not allowed from this address (source address 127.0.0.1)");
        return row;
    }
}
