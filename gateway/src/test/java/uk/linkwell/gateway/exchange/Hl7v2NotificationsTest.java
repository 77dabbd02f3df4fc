package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.v251.message.RRI_I12;
import ca.uhn.hl7v2.util.Terser;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/**
 * The HL7 v2 messages of the {@code hl7v2-mllp} channel, built from FHIR resources and read back with HAPI HL7 v2's
 * own parser (default validation): a referral decision as RRI^I12, and what cannot be expressed.
 */
class Hl7v2NotificationsTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:15:30Z");

    private final Hl7v2Notifications messages = new Hl7v2Notifications();
    private final HapiContext hl7 = new DefaultHapiContext();

    @Test
    void aDeclinedReferralIsAnRriI12WithTheStatusTheReferralIdAndTheReasons() throws Exception {
        Task task = new Task().setStatus(Task.TaskStatus.REJECTED).setIntent(Task.TaskIntent.ORDER);
        task.setId("Task/41");
        task.addIdentifier()
                .setSystem("https://fhir.linkwell.example/Id/referral/Y88001")
                .setValue("REF-2026-0042");
        task.setStatusReason(new CodeableConcept().setText("Outside the service's area"));
        task.setLastModified(Date.from(Instant.parse("2026-12-06T16:00:00Z")));
        Communication letter = new Communication().setStatus(Communication.CommunicationStatus.COMPLETED);
        letter.setId("Communication/42");
        letter.addPayload().setContent(new StringType("Alternatives: the council's community navigator service."));
        Patient person = new Patient();
        person.setId("Patient/7");
        person.addIdentifier().setSystem("https://fhir.nhs.uk/Id/nhs-number").setValue("9990000026");
        person.addName().setFamily("Example").addGiven("Jo");

        Message parsed = parse(messages.build(
                delivery(Channels.REFERRAL_DECLINED, "key-declined-1"), bundle(task, letter, person), NOW));

        assertThat(parsed).isInstanceOf(RRI_I12.class);
        Terser t = new Terser(parsed);
        assertThat(t.get("MSH-9-1")).isEqualTo("RRI");
        assertThat(t.get("MSH-9-2")).isEqualTo("I12");
        assertThat(t.get("MSH-10")).isEqualTo("KEYDECLINED1");
        assertThat(t.get("MSH-6-1")).isEqualTo("Y88001");
        assertThat(t.get("MSH-7")).isEqualTo("20261207101530+0000");
        assertThat(t.get("RF1-1-1")).isEqualTo("R");
        assertThat(t.get("RF1-1-3")).isEqualTo("HL70283");
        assertThat(t.get("RF1-6-1")).isEqualTo("REF-2026-0042");
        assertThat(t.get("RF1-7")).isEqualTo("20261206160000+0000");
        assertThat(t.get("PID-3-1")).isEqualTo("9990000026");
        assertThat(t.get("PID-5-1")).isEqualTo("Example");
        assertThat(t.get("/NTE(0)-3")).isEqualTo("Reason: Outside the service's area");
        assertThat(t.get("/NTE(1)-3")).isEqualTo("Alternatives: the council's community navigator service.");
    }

    @Test
    void anAcceptedReferralNamesTheTeamAsTheReferredToProvider() throws Exception {
        Task task = new Task().setStatus(Task.TaskStatus.ACCEPTED).setIntent(Task.TaskIntent.ORDER);
        task.setId("Task/51");
        task.addIdentifier().setValue("REF-2026-0051");
        Organization team = new Organization().setName("Riverside link worker team");
        team.setId("Organization/9");
        team.addIdentifier()
                .setSystem("https://fhir.nhs.uk/Id/ods-organization-code")
                .setValue("LW0001");

        Terser t = new Terser(
                parse(messages.build(delivery(Channels.REFERRAL_ACCEPTED, "key-accepted-1"), bundle(task, team), NOW)));

        assertThat(t.get("RF1-1-1")).isEqualTo("A");
        assertThat(t.get("RF1-6-1")).isEqualTo("REF-2026-0051");
        assertThat(t.get("/PROVIDER_CONTACT/PRD-1-1")).isEqualTo("RT");
        assertThat(t.get("/PROVIDER_CONTACT/PRD-2-1")).isEqualTo("Riverside link worker team");
        assertThat(t.get("/PROVIDER_CONTACT/PRD-7-1")).isEqualTo("LW0001");
        assertThat(t.get("/NTE-3")).isNull();
    }

    @Test
    void aDischargeWithoutThePersonsRecordCannotBeAnA03() {
        Encounter stay = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        stay.setId("Encounter/3");
        assertThatThrownBy(() -> messages.build(delivery(Channels.DISCHARGE, "key-3"), bundle(stay), NOW))
                .isInstanceOf(Hl7v2Notifications.NotExpressible.class)
                .hasMessageContaining("PID");
    }

    @Test
    void anEventWithoutAnHl7v2MessageIsNotCarriedOverMllp() {
        assertThat(Channels.carries(Channels.HL7V2_MLLP, Channels.CARE_PLAN_CREATED))
                .isFalse();
        assertThat(Channels.carries(Channels.HL7V2_MLLP, Channels.DISCHARGE)).isTrue();
        assertThat(Channels.carries(Channels.WEBHOOK, Channels.CARE_PLAN_CREATED))
                .isTrue();
    }

    @Test
    void anAckIsReadForItsCodeItsControlIdAndItsText() {
        String key = "key-ack";
        assertThat(Hl7v2MllpSender.acknowledgement("MSH|^~\\&|R|R|L|L|20261207||ACK|1|P|2.5.1\rMSA|AA|" + key, key)
                        .verdict())
                .isEqualTo(ReceiverAnswer.Verdict.ACCEPTED);
        ReceiverAnswer refused = Hl7v2MllpSender.acknowledgement(
                "MSH|^~\\&|R|R|L|L|20261207||ACK|1|P|2.5.1\rMSA|AR|" + key + "\rERR||PID^1^3|101^Required field"
                        + " missing^HL70357|E||||NHS number missing",
                key);
        assertThat(refused.verdict()).isEqualTo(ReceiverAnswer.Verdict.REFUSED);
        assertThat(refused.text()).isEqualTo("MSA-1 AR: Required field missing (NHS number missing)");
        assertThat(Hl7v2MllpSender.acknowledgement("MSH|^~\\&|R\rMSA|CE|" + key + "|busy", key))
                .isEqualTo(ReceiverAnswer.tryAgain(null, "MSA-1 CE: busy"));
        // An ACK that names no message may answer another one; the receiver's words lose what could name a person.
        assertThat(Hl7v2MllpSender.acknowledgement("MSH|^~\\&|R\rMSA|AA|", key).verdict())
                .isEqualTo(ReceiverAnswer.Verdict.TRY_AGAIN);
        assertThat(Hl7v2MllpSender.acknowledgement(
                                "MSH|^~\\&|R\rMSA|AE|" + key + "|9990000026 EXAMPLE^JO not known here", key)
                        .text())
                .isEqualTo("MSA-1 AE: # … not known here");
        // An ACK of another message says nothing about this one.
        assertThat(Hl7v2MllpSender.acknowledgement("MSH|^~\\&|R\rMSA|AA|other", key)
                        .verdict())
                .isEqualTo(ReceiverAnswer.Verdict.TRY_AGAIN);
    }

    private Message parse(String er7) throws Exception {
        return hl7.getPipeParser().parse(er7);
    }

    private static Delivery delivery(String event, String key) {
        return new Delivery(
                event,
                "Endpoint/e1",
                Channels.HL7V2_MLLP,
                "mllp://127.0.0.1:2575",
                "Y88001",
                "gp-system",
                "Patient/7",
                List.of("Task/41"),
                key,
                NOW);
    }

    private static Bundle bundle(Resource... resources) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (Resource r : resources) {
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + r.getIdElement().getIdPart())
                    .setResource(r);
        }
        return bundle;
    }
}
