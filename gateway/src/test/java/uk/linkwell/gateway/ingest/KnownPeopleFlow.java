package uk.linkwell.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.InboundDoors;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The inbound doors as a live feed uses them, for people who already exist: each message sent on its own, applied
 * in its own worker transaction some time after the one before, for a person first written through FHIR REST.
 * Several people go through the same steps at once, so that with apply-batch grouping on, a worker's group holds
 * messages of different people. Subclasses choose the database (PostgreSQL, the embedded H2 default) and the
 * grouping; every message must end {@code done} at its first attempt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KnownPeopleFlow {

    static final String NHS = LinkwellFixtures.NHS;
    static final String ODS = LinkwellFixtures.ODS;
    static final String PRACTICE = "Y90001";
    static final String FACILITY = "RWELL";
    static final String VISIT = "https://fhir.linkwell.example/Id/visit-number/" + FACILITY;
    static final String DISCHARGE_REFERRAL = "https://fhir.linkwell.example/Id/discharge-referral/" + FACILITY;
    static final int PEOPLE = 3;

    GatewayInstance gateway;
    InboundDoors doors;
    IGenericClient admin;

    /** Starts the gateway under test; {@code applyBatchSize} 1 applies every message in a transaction of its own. */
    abstract GatewayInstance start(Map<String, String> settings);

    abstract int applyBatchSize();

    @BeforeAll
    void startGateway() {
        gateway = start(Map.of("linkwell.ingest.apply-batch-size", String.valueOf(applyBatchSize())));
        doors = new InboundDoors(gateway);
        admin = gateway.admin();
        admin.update()
                .resource(LinkwellFixtures.organisation(PRACTICE, "Riverside Surgery"))
                .conditionalByUrl("Organization?identifier=" + ODS + "|" + PRACTICE)
                .execute();
    }

    @AfterAll
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** One person of the flow: created through FHIR first, with two hospital visits. */
    record Person(String nhsNumber, String hospitalNumber, String visit1, String visit2, String patientId) {}

    private Person personCreatedThroughRest() {
        String suffix = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        String nhs = SyntheticNhsNumbers.next();
        Patient patient = LinkwellFixtures.patient(nhs);
        patient.addGeneralPractitioner(new Reference("Organization?identifier=" + ODS + "|" + PRACTICE));
        String id = admin.create().resource(patient).execute().getId().getIdPart();
        return new Person(nhs, "J" + suffix, "V1" + suffix, "V2" + suffix, id);
    }

    /** Sends one message per person at once (a burst the worker may group), then waits until each is done. */
    private void step(List<Person> people, Function<Person, String> message) {
        List<String> controlIds = new ArrayList<>();
        for (Person person : people) {
            String controlId =
                    "K" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            controlIds.add(controlId);
            assertThat(doors.sendHl7(message.apply(person).replace("{CONTROL}", controlId)))
                    .as("ACK")
                    .isEqualTo("AA");
        }
        controlIds.forEach(doors::awaitDone);
        pause();
    }

    private static void pause() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void admissionDischargeReferralCaseEventAndCldRowForPeopleFirstWrittenThroughFhir() {
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
            people.add(personCreatedThroughRest());
        }
        // An Epic-shaped v2.4 admission: hospital number first in PID-3, the NHS number as ^^^NHS^HN, an empty PD1.
        step(people, p -> Hl7.admitEpic(p, p.visit1()));
        // The discharge of the same visit names the attending and referring doctors, which the admission did not.
        step(people, p -> Hl7.dischargeWithDoctors(p, p.visit1(), "1"));
        step(people, Hl7::referral);
        for (Person p : people) {
            doors.awaitDone(doors.postCaseEvent(Hl7.caseEvent(p)));
        }
        JsonNode batch = doors.applyCldFile(Hl7.cldFile(people));
        assertThat(batch.path("status").asText()).as(batch.toString()).isEqualTo("completed");
        assertThat(batch.path("rows").path("bad").asLong()).as(batch.toString()).isZero();
        assertThat(batch.path("rows").path("landed").asLong()).isEqualTo(PEOPLE);

        for (Person p : people) {
            Patient patient = onlyPatient(p);
            assertThat(patient.getIdElement().getIdPart()).isEqualTo(p.patientId());
            // The registered GP written through FHIR is kept: the empty PD1 says nothing of it.
            assertThat(patient.getGeneralPractitioner()).hasSize(1);
            Encounter encounter = encounter(p.visit1());
            assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
            assertThat(encounter.getSubject().getReferenceElement().getIdPart()).isEqualTo(p.patientId());
            // The attending doctor the discharge named (PV1-7), a Practitioner the admission did not know.
            assertThat(encounter.getParticipant())
                    .anySatisfy(participant ->
                            assertThat(participant.getIndividual().getDisplay()).contains("JONES"));
            ServiceRequest followUp = one(ServiceRequest.class, "identifier=" + DISCHARGE_REFERRAL + "|" + p.visit1());
            assertThat(followUp.getSubject().getReferenceElement().getIdPart()).isEqualTo(p.patientId());
            // Everything any door wrote for the person points at the one Patient.
            Bundle everything = admin.search()
                    .byUrl("ServiceRequest?subject=Patient/" + p.patientId())
                    .returnBundle(Bundle.class)
                    .execute();
            assertThat(everything.getEntry()).hasSizeGreaterThanOrEqualTo(2); // discharge follow-up and GP referral
        }
    }

    @Test
    void updatesCancellationsAndAMergeOnPeopleWhoAlreadyExist() {
        List<Person> people = new ArrayList<>();
        List<Person> duplicates = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
            people.add(personCreatedThroughRest());
            duplicates.add(personCreatedThroughRest());
        }
        step(people, p -> Hl7.admit(p, p.visit1(), "A01"));
        step(people, p -> Hl7.dischargeWithDoctors(p, p.visit1(), "2"));
        step(people, p -> Hl7.update(p, "RENAMED"));
        step(people, p -> Hl7.admit(p, p.visit2(), "A01"));
        step(people, p -> Hl7.cancel(p, p.visit2(), "A11", "ADT_A09"));
        step(people, p -> Hl7.cancel(p, p.visit1(), "A13", "ADT_A01"));
        // The duplicate record of each person (made through FHIR) is merged into the one the hospital uses.
        List<Person> pairs = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
            Person survivor = people.get(i);
            Person old = duplicates.get(i);
            pairs.add(new Person(survivor.nhsNumber(), old.nhsNumber(), null, null, old.patientId()));
        }
        step(pairs, pair -> Hl7.merge(pair.nhsNumber(), pair.hospitalNumber()));

        for (int i = 0; i < PEOPLE; i++) {
            Person p = people.get(i);
            Patient patient = onlyPatient(p);
            assertThat(patient.getIdElement().getIdPart()).isEqualTo(p.patientId());
            assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("RENAMED");
            assertThat(patient.getGeneralPractitioner()).hasSize(1);
            assertThat(encounter(p.visit2()).getStatus()).isEqualTo(Encounter.EncounterStatus.ENTEREDINERROR);
            Encounter reopened = encounter(p.visit1());
            assertThat(reopened.getStatus()).isEqualTo(Encounter.EncounterStatus.INPROGRESS);
            assertThat(reopened.getPeriod().hasEnd()).isFalse();
            assertThat(one(ServiceRequest.class, "identifier=" + DISCHARGE_REFERRAL + "|" + p.visit1())
                            .getStatus())
                    .isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
            Patient old = admin.read()
                    .resource(Patient.class)
                    .withId(duplicates.get(i).patientId())
                    .execute();
            assertThat(old.getActive()).isFalse();
            assertThat(old.getLink()).anySatisfy(link -> assertThat(
                            link.getOther().getReferenceElement().getIdPart())
                    .isEqualTo(p.patientId()));
        }
    }

    private Patient onlyPatient(Person p) {
        return one(Patient.class, "identifier=" + NHS + "|" + p.nhsNumber());
    }

    private Encounter encounter(String visit) {
        return one(Encounter.class, "identifier=" + VISIT + "|" + visit);
    }

    private <T extends IBaseResource> T one(Class<T> type, String query) {
        Bundle found = admin.search()
                .byUrl(type.getSimpleName() + "?" + query)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).as(type.getSimpleName() + "?" + query).hasSize(1);
        return type.cast(found.getEntryFirstRep().getResource());
    }

    /** The messages of the flow. */
    static final class Hl7 {

        private Hl7() {}

        static String msh(String event, String structure, String version) {
            return "MSH|^~\\&|EPIC|" + FACILITY + "|||20261201090000||ADT^" + event + "^" + structure + "|{CONTROL}|P|"
                    + version + "|||AL|NE";
        }

        static String pidEpic(Person p, String family) {
            return "PID|1||" + p.hospitalNumber() + "^^^HOSP^MR~" + p.nhsNumber() + "^^^NHS^HN||" + family
                    + "^Sam^^^MR||19570704|M|||1 High St^^Oldbury^^B69 1AA||0121 000 0000|||U";
        }

        static String pv1(String visit, String doctors, String discharged) {
            return "PV1|1|I|WARD7^BAY1^BED3^" + FACILITY + "||||" + doctors + "||GEN|||||||||" + visit
                    + "|||||||||||||||||||||||||20261201090000" + (discharged == null ? "" : "|" + discharged);
        }

        static String admitEpic(Person p, String visit) {
            return String.join(
                            "\r",
                            msh("A01", "ADT_A01", "2.4"),
                            "EVN|A01|20261201090000",
                            pidEpic(p, "Brook"),
                            "PD1",
                            pv1(visit, "|", null))
                    + "\r";
        }

        static String admit(Person p, String visit, String event) {
            return String.join(
                            "\r",
                            msh(event, "ADT_A01", "2.4"),
                            "EVN|" + event + "|20261201090000",
                            pidEpic(p, "Brook"),
                            "PD1|||Riverside Surgery^^^^^^^^^" + PRACTICE,
                            pv1(visit, "|", null))
                    + "\r";
        }

        static String dischargeWithDoctors(Person p, String visit, String pathway) {
            return String.join(
                            "\r",
                            msh("A03", "ADT_A03", "2.4"),
                            "EVN|A03|20261203120000",
                            pidEpic(p, "Brook"),
                            "PD1",
                            pv1(visit, "C4711^JONES^ANN^^^DR|C5000^PATEL^RAJ^^^DR", "20261203120000"),
                            "ZDS|" + pathway)
                    + "\r";
        }

        static String update(Person p, String family) {
            return String.join(
                            "\r",
                            msh("A08", "ADT_A01", "2.4"),
                            "EVN|A08|20261204100000",
                            pidEpic(p, family),
                            pv1(p.visit1(), "|", null))
                    + "\r";
        }

        static String cancel(Person p, String visit, String event, String structure) {
            return String.join(
                            "\r",
                            msh(event, structure, "2.4"),
                            "EVN|" + event + "|20261204110000",
                            pidEpic(p, "RENAMED"),
                            pv1(visit, "|", null))
                    + "\r";
        }

        static String merge(String survivingNhs, String oldNhs) {
            return String.join(
                            "\r",
                            msh("A40", "ADT_A39", "2.5"),
                            "EVN|A40|20261205080000",
                            "PID|1||" + survivingNhs + "^^^NHS^NH||RENAMED^Sam^^^MR||19570704|M",
                            "MRG|" + oldNhs + "^^^NHS^NH")
                    + "\r";
        }

        static String referral(Person p) {
            String referralId =
                    "GPR-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
            return String.join(
                            "\r",
                            "MSH|^~\\&|EMISWEB|Y88001|LINKWELL|X26SPL|20261125143000||REF^I12^REF_I12|{CONTROL}|P"
                                    + "|2.5.1|||AL|NE||UNICODE UTF-8",
                            "RF1|P^Pending^HL70283|R^^HL70280|SP^Social prescribing|||" + referralId
                                    + "|20261125140000||20261125|^Lonely and isolated|",
                            "PRD|RP^Referring Provider^HL70286|PATEL^ANITA^^^DR|1 Market Street^^Bradwell^^BW1 2AB|"
                                    + "^^^Test Referral Surgery|^WPN^PH^^^^^^^^^01632 960001||Y88001^ODS|",
                            "PRD|RT^Referred to Provider^HL70286||2 Civic Way^^Bradwell^^BW1 3CD|"
                                    + "^^^Bradwell Social Prescribing Service|||X26SPL^ODS|",
                            "PID|1||" + p.nhsNumber() + "^^^NHS^NH||Brook^Sam^^^MX^^L||19570704|M|||"
                                    + "1 High St^^Oldbury^^B69 1AA^GBR^H||0121 000 0000^PRN^PH|")
                    + "\r";
        }

        static String caseEvent(Person p) {
            return """
                    {"schemaVersion":"1","eventId":"%s","eventType":"referral-received",
                     "occurredAt":"2026-12-02T09:30:00Z","localAuthority":"%s",
                     "person":{"laPersonId":"LAP-%s","nhsNumber":"%s"},"caseReference":"CASE-%s",
                     "body":{"receivedOn":"2026-12-02","source":"gp",
                             "referrer":{"odsCode":"Y90001","name":"Riverside Surgery"},
                             "reason":"Struggling at home after a hospital stay.","urgent":false}}"""
                    .formatted(
                            UUID.randomUUID(),
                            GatewayInstance.COUNCIL,
                            p.hospitalNumber(),
                            p.nhsNumber(),
                            p.hospitalNumber());
        }

        static String cldFile(List<Person> people) {
            StringBuilder csv = new StringBuilder(
                    "LA_Person_Unique_Identifier,NHS_Number,Client_Type,Primary_Support_Reason,Event_Type,"
                            + "Event_Reference,Case_Reference,Event_Start_Date,Event_End_Date,Event_Outcome,"
                            + "Request_Route_of_Access,Assessment_Type,Eligible_Needs_Identified,Service_Type,"
                            + "Service_Component,Delivery_Mechanism,Review_Reason\n");
            for (Person p : people) {
                csv.append("LAP-")
                        .append(p.hospitalNumber())
                        .append(',')
                        .append(p.nhsNumber())
                        .append(",Service User,Physical Support: Personal care support,Request,REQ-")
                        .append(p.hospitalNumber())
                        .append(",,2026-11-02,2026-11-03,Progress to Assessment,Community / Other route,,,,,,\n");
            }
            return csv.toString();
        }
    }
}
