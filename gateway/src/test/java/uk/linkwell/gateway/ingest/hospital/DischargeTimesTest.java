package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Encounter;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;

/**
 * Issue 22 item 6: a discharge given to the minute within the minute of an admission given to the second passes the
 * gateway's profile validation (per-1) and is applied; a discharge truly before the admission is refused at
 * reception naming PV1-45.
 */
class DischargeTimesTest extends HospitalIngestTestBase {

    @Test
    void aDischargeToTheMinuteInTheAdmissionsMinuteIsApplied() throws Exception {
        Visit visit = Visit.fresh();
        String controlId = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(
                        send(AdtMessages.dischargeAt(visit, controlId, "20130211100052", "201302111000"))))
                .isEqualTo("AA");
        awaitStatus(controlId, "done");
        Encounter encounter =
                (Encounter) search("Encounter?identifier=" + HospitalAdtFlowTest.VISIT + "|" + visit.visitNumber())
                        .getEntryFirstRep()
                        .getResource();
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getPeriod().getStartElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
    }

    @Test
    void aDischargeBeforeTheAdmissionIsRefusedNamingPv1_45() throws Exception {
        String controlId = AdtMessages.controlId();
        String ack = send(AdtMessages.dischargeAt(Visit.fresh(), controlId, "20130211100052", "201302110959"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        // A v2.4 ACK: ERR-1 (ELD) names segment, sequence, field and the code.
        assertThat(AdtMessages.err(ack)).startsWith("ERR|PV1^1^45^102&");
        assertThat(row(controlId).get("STATUS")).isEqualTo("rejected");
        assertThat((String) row(controlId).get("LAST_ERROR")).contains("PV1-45");
    }
}
