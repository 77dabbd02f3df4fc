package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;

/**
 * Issue 22 item 5: a discharge that states no discharge-to-assess pathway (no ZDS segment) is applied, with the
 * default configuration (no default pathway): the Encounter finishes, no follow-up is made, and the missing pathway
 * is on the stored message and in a counter.
 */
class DischargeWithoutPathwayTest extends HospitalIngestTestBase {

    static final String NOTE = "discharge without a discharge-to-assess pathway (ZDS-1): no follow-up";

    @Autowired
    MeterRegistry meters;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void isAppliedWithoutFollowUpAndTheMissingPathwayIsCountedAndShown() throws Exception {
        Visit visit = Visit.fresh();
        String admit = AdtMessages.controlId();
        String discharge = AdtMessages.controlId();
        double missingBefore = missingPathways();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(visit, admit)))).isEqualTo("AA");
        awaitStatus(admit, "done");
        assertThat(AdtMessages.ackCode(send(AdtMessages.dischargeWithoutPathway(visit, discharge))))
                .isEqualTo("AA");
        Map<String, Object> done = awaitStatus(discharge, "done");

        Encounter encounter =
                (Encounter) search("Encounter?identifier=" + HospitalAdtFlowTest.VISIT + "|" + visit.visitNumber())
                        .getEntryFirstRep()
                        .getResource();
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).startsWith("2026-11-24T14:30");
        assertThat(encounter.getHospitalization().hasDischargeDisposition()).isFalse();
        Bundle referrals =
                search("ServiceRequest?identifier=" + HospitalAdtFlowTest.REFERRAL + "|" + visit.visitNumber());
        assertThat(referrals.getEntry()).as("no follow-up without a pathway").isEmpty();

        assertThat(done.get("NOTES")).isEqualTo(NOTE);
        assertThat(missingPathways() - missingBefore).isEqualTo(1.0);
        // The admission said nothing of a pathway and finished nothing: no note.
        assertThat(row(admit).get("NOTES")).isNull();

        HttpResponse<String> shown = http().send(
                        request("/admin/messages/" + done.get("ID")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(shown.statusCode()).isEqualTo(200);
        JsonNode detail = json.readTree(shown.body());
        assertThat(detail.get("notes")).hasSize(1);
        assertThat(detail.get("notes").get(0).asText()).isEqualTo(NOTE);
        JsonNode page = json.readTree(http().send(
                        request("/admin/messages?status=done&limit=500").GET().build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        assertThat(page.get("items")).anySatisfy(m -> {
            assertThat(m.get("controlId").asText()).isEqualTo(discharge);
            assertThat(m.get("notes").get(0).asText()).isEqualTo(NOTE);
        });
        assertThat(page.get("items")).anySatisfy(m -> {
            assertThat(m.get("controlId").asText()).isEqualTo(admit);
            assertThat(m.get("notes")).isEmpty();
        });
    }

    private double missingPathways() {
        Counter counter = meters.find("linkwell.ingest.discharge.pathway-missing")
                .tag("sender", AdtMessages.FACILITY)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
