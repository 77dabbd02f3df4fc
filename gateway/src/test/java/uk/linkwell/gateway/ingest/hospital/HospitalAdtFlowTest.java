package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.ingest.write.MessageApplication;

/** ADT messages over a real MLLP socket end up in the FHIR store as the acceptance asks. */
class HospitalAdtFlowTest extends HospitalIngestTestBase {

    @Autowired
    MeterRegistry meters;

    static final String NHS = "https://fhir.nhs.uk/Id/nhs-number";
    static final String VISIT = "https://fhir.linkwell.example/Id/visit-number/RWELL";
    static final String REFERRAL = "https://fhir.linkwell.example/Id/discharge-referral/RWELL";

    @Test
    void admitThenDischargeLeaveOnePatientAndOneFinishedEncounterWithTheReferral() throws Exception {
        Visit visit = Visit.fresh();
        String admit = AdtMessages.controlId();
        String discharge = AdtMessages.controlId();
        double byEntries = applied("entries");
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(visit, admit)))).isEqualTo("AA");
        assertThat(AdtMessages.ackCode(send(AdtMessages.discharge(visit, discharge, "1"))))
                .isEqualTo("AA");
        awaitStatus(admit, "done");
        Map<String, Object> done = awaitStatus(discharge, "done");

        assertThat(search("Patient?identifier=" + NHS + "|" + visit.nhsNumber()).getEntry())
                .hasSize(1);
        Bundle encounters = search("Encounter?identifier=" + VISIT + "|" + visit.visitNumber());
        assertThat(encounters.getEntry()).hasSize(1);
        Encounter encounter = (Encounter) encounters.getEntryFirstRep().getResource();
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).startsWith("2026-11-24T14:30");
        // The discharge-to-assess pathway is the disposition the care team acts on.
        assertThat(encounter.getHospitalization().getDischargeDisposition().getCoding())
                .extracting(org.hl7.fhir.r4.model.Coding::getCode)
                .contains("pathway-1");

        // Pathway 1 needs social-care follow-up: a referral to the care management team.
        Bundle referrals = search("ServiceRequest?identifier=" + REFERRAL + "|" + visit.visitNumber());
        assertThat(referrals.getEntry()).hasSize(1);
        ServiceRequest referral = (ServiceRequest) referrals.getEntryFirstRep().getResource();
        assertThat(referral.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.ACTIVE);

        // The store row links to what it produced, and a Provenance names the message.
        assertThat((String) done.get("RESOURCE_IDS"))
                .contains("Encounter/" + encounter.getIdElement().getIdPart());
        Provenance provenance = client().read()
                .resource(Provenance.class)
                .withId((String) done.get("PROVENANCE_ID"))
                .execute();
        assertThat(provenance.getTarget()).anySatisfy(t -> assertThat(t.getReference())
                .startsWith("Encounter/" + encounter.getIdElement().getIdPart()));
        assertThat(provenance.getEntityFirstRep().getWhat().getIdentifier().getValue())
                .isEqualTo(String.valueOf(done.get("ID")));
        assertThat(provenance.getAgentFirstRep().getWho().getDisplay()).isEqualTo("RWELL");
        // Both were written entry by entry (ConditionalBundleWriter), not as HAPI transactions.
        assertThat(applied("entries") - byEntries).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anUpdateWithoutPd1KeepsTheRegisteredGpAndOtherSystemsIdentifiers() throws Exception {
        Visit visit = Visit.fresh();
        String admit = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admitRegistered(visit, admit, "Y90077"))))
                .isEqualTo("AA");
        awaitStatus(admit, "done");
        Patient admitted = (Patient) search("Patient?identifier=" + NHS + "|" + visit.nhsNumber())
                .getEntryFirstRep()
                .getResource();
        assertThat(admitted.getGeneralPractitioner()).hasSize(1);
        String practice = admitted.getGeneralPractitionerFirstRep().getReference();
        // The council adds its own person id to the record through FHIR.
        admitted.addIdentifier()
                .setSystem("https://fhir.linkwell.example/Id/la-person/999")
                .setValue("LA-4711");
        client().update().resource(admitted).execute();

        String update = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.update(visit, update, "RENAMED"))))
                .isEqualTo("AA");
        awaitStatus(update, "done");

        Bundle found = search("Patient?identifier=" + NHS + "|" + visit.nhsNumber());
        assertThat(found.getEntry()).hasSize(1);
        Patient updated = (Patient) found.getEntryFirstRep().getResource();
        assertThat(updated.getNameFirstRep().getFamily()).isEqualTo("RENAMED");
        assertThat(updated.getGeneralPractitioner())
                .extracting(org.hl7.fhir.r4.model.Reference::getReference)
                .containsExactly(practice);
        assertThat(updated.getIdentifier())
                .extracting(org.hl7.fhir.r4.model.Identifier::getValue)
                .contains(visit.nhsNumber(), visit.hospitalNumber(), "LA-4711");
    }

    @Test
    void aRedeliveredDischargeChangesNothing() throws Exception {
        Visit visit = Visit.fresh();
        String admit = AdtMessages.controlId();
        String discharge = AdtMessages.controlId();
        send(AdtMessages.admit(visit, admit));
        String dischargeMessage = AdtMessages.discharge(visit, discharge, "2");
        send(dischargeMessage);
        awaitStatus(discharge, "done");
        Encounter before = encounter(visit);
        Patient patientBefore = patient(visit);

        // Same control id from the same facility: acknowledged, not stored or processed again.
        assertThat(AdtMessages.ackCode(send(dischargeMessage))).isEqualTo("AA");
        assertThat(rowCount(discharge)).isEqualTo(1);

        // Same content under a new control id: processed, but the conditional updates change nothing.
        String again = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(dischargeMessage.replace(discharge, again))))
                .isEqualTo("AA");
        awaitStatus(again, "done");
        assertThat(search("Patient?identifier=" + NHS + "|" + visit.nhsNumber()).getEntry())
                .hasSize(1);
        assertThat(search("Encounter?identifier=" + VISIT + "|" + visit.visitNumber())
                        .getEntry())
                .hasSize(1);
        assertThat(search("ServiceRequest?identifier=" + REFERRAL + "|" + visit.visitNumber())
                        .getEntry())
                .hasSize(1);
        assertThat(encounter(visit).getMeta().getVersionId())
                .isEqualTo(before.getMeta().getVersionId());
        assertThat(patient(visit).getMeta().getVersionId())
                .isEqualTo(patientBefore.getMeta().getVersionId());
    }

    @Test
    void cancelAdmitMarksTheEncounterEnteredInError() throws Exception {
        Visit visit = Visit.fresh();
        send(AdtMessages.admit(visit, AdtMessages.controlId()));
        String cancel = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.cancelAdmit(visit, cancel))))
                .isEqualTo("AA");
        awaitStatus(cancel, "done");
        assertThat(encounter(visit).getStatus()).isEqualTo(Encounter.EncounterStatus.ENTEREDINERROR);
    }

    @Test
    void cancelDischargeReopensTheEncounterAndRevokesTheReferral() throws Exception {
        Visit visit = Visit.fresh();
        send(AdtMessages.admit(visit, AdtMessages.controlId()));
        String discharge = AdtMessages.controlId();
        send(AdtMessages.discharge(visit, discharge, "3"));
        awaitStatus(discharge, "done");
        assertThat(encounter(visit).getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);

        String cancel = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.cancelDischarge(visit, cancel))))
                .isEqualTo("AA");
        awaitStatus(cancel, "done");
        Encounter reopened = encounter(visit);
        assertThat(reopened.getStatus()).isEqualTo(Encounter.EncounterStatus.INPROGRESS);
        assertThat(reopened.getPeriod().hasEnd()).isFalse();
        ServiceRequest referral =
                (ServiceRequest) search("ServiceRequest?identifier=" + REFERRAL + "|" + visit.visitNumber())
                        .getEntryFirstRep()
                        .getResource();
        assertThat(referral.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
    }

    @Test
    void pathwayZeroDischargeNeedsNoReferral() throws Exception {
        Visit visit = Visit.fresh();
        String discharge = AdtMessages.controlId();
        send(AdtMessages.admit(visit, AdtMessages.controlId()));
        send(AdtMessages.discharge(visit, discharge, "0"));
        awaitStatus(discharge, "done");
        assertThat(encounter(visit).getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(search("ServiceRequest?identifier=" + REFERRAL + "|" + visit.visitNumber())
                        .getEntry())
                .isEmpty();
    }

    @Test
    void mergeLinksTheOldRecordToTheSurvivingOne() throws Exception {
        Visit old = Visit.fresh();
        Visit surviving = Visit.fresh();
        String first = AdtMessages.controlId();
        String second = AdtMessages.controlId();
        send(AdtMessages.admit(old, first));
        send(AdtMessages.admit(surviving, second));
        awaitStatus(first, "done");
        awaitStatus(second, "done");

        String merge = AdtMessages.controlId();
        double asTransactions = applied("transaction");
        assertThat(AdtMessages.ackCode(send(AdtMessages.merge(surviving, old.nhsNumber(), merge))))
                .isEqualTo("AA");
        awaitStatus(merge, "done");
        Patient oldRecord = patient(old);
        Patient survivor = patient(surviving);
        assertThat(oldRecord.getActive()).isFalse();
        assertThat(oldRecord.getLink()).anySatisfy(link -> {
            assertThat(link.getType()).isEqualTo(Patient.LinkType.REPLACEDBY);
            assertThat(link.getOther().getReferenceElement().getIdPart())
                    .isEqualTo(survivor.getIdElement().getIdPart());
        });
        assertThat(survivor.getLink()).anySatisfy(link -> {
            assertThat(link.getType()).isEqualTo(Patient.LinkType.REPLACES);
            assertThat(link.getOther().getReferenceElement().getIdPart())
                    .isEqualTo(oldRecord.getIdElement().getIdPart());
        });
        // Its two Patients name each other, a forward reference the conditional writer leaves to HAPI.
        assertThat(applied("transaction") - asTransactions).isGreaterThanOrEqualTo(1);
    }

    private double applied(String as) {
        return meters.counter(MessageApplication.APPLIED_METER, "as", as).count();
    }

    private Encounter encounter(Visit visit) {
        Bundle found = search("Encounter?identifier=" + VISIT + "|" + visit.visitNumber());
        assertThat(found.getEntry()).hasSize(1);
        return (Encounter) found.getEntryFirstRep().getResource();
    }

    private Patient patient(Visit visit) {
        Bundle found = search("Patient?identifier=" + NHS + "|" + visit.nhsNumber());
        assertThat(found.getEntry()).hasSize(1);
        return (Patient) found.getEntryFirstRep().getResource();
    }
}
