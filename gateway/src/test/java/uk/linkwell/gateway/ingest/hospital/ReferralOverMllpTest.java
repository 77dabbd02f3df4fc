package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.gp.ReferralReception;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * GP referrals (REF^I12) over a real MLLP socket: stored then acknowledged, applied by the worker, and the result is
 * what posting the equivalent FHIR referral to /fhir gives; bad referrals get AR with the ERR location and are
 * stored rejected.
 */
class ReferralOverMllpTest extends HospitalIngestTestBase {

    static final String NHS = "https://fhir.nhs.uk/Id/nhs-number";
    static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    static final ZoneId LONDON = ZoneId.of("Europe/London");

    @Test
    void aReferralOverMllpGivesTheSameResourcesAsTheEquivalentFhirReferral() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        String referralId = ReferralMessages.referralId();
        String controlId = AdtMessages.controlId();

        String ack = send(ReferralMessages.referral(nhsNumber, referralId, controlId, "R"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AA");
        // An accept acknowledgement: ACK^I12^ACK (RRI^I12 would carry the service's decision, made later).
        assertThat(ack)
                .startsWith("MSH|^~\\&|LINKWELL|" + ReferralMessages.SERVICE + "|EMISWEB|" + ReferralMessages.PRACTICE
                        + "|");
        assertThat(ack.split("\r")[0].split("\\|")[8]).isEqualTo("ACK^I12^ACK");
        assertThat(ack).contains("MSA|AA|" + controlId);
        Map<String, Object> row = awaitStatus(controlId, "done");
        assertThat(row.get("SOURCE")).isEqualTo(ReferralReception.SOURCE);
        assertThat(row.get("MESSAGE_TYPE")).isEqualTo("REF^I12");
        assertThat(row.get("SENDER")).isEqualTo(ReferralMessages.PRACTICE);

        // What the message produced.
        Patient patient = only(search("Patient?identifier=" + NHS + "|" + nhsNumber), Patient.class);
        ServiceRequest viaMllp = only(
                search("ServiceRequest?identifier=" + ReferralMessages.REFERRAL_SYSTEM + "|" + referralId),
                ServiceRequest.class);
        Task taskViaMllp =
                only(search("Task?identifier=" + ReferralMessages.TASK_SYSTEM + "|" + referralId), Task.class);
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("TESTREFERRAL");
        assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1960-01-01");
        assertThat((String) row.get("RESOURCE_IDS"))
                .contains("ServiceRequest/" + viaMllp.getIdPart())
                .contains("Task/" + taskViaMllp.getIdPart());

        // The same referral as a GP system would post it to /fhir: ServiceRequest + Task, conditional references
        // to the patient and the organisations, the due date the referral workflow gives (3 days after receipt,
        // end of that day in London) so the comparison holds with or without the workflow's interceptor.
        Instant receivedAt = instant(row.get("RECEIVED_AT"));
        String restReferralId = ReferralMessages.referralId();
        Bundle transaction = fhirReferral(nhsNumber, restReferralId, dueDate(receivedAt, 3));
        Bundle response = client().transaction().withBundle(transaction).execute();
        assertThat(response.getEntry())
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
        ServiceRequest viaFhir = only(
                search("ServiceRequest?identifier=" + ReferralMessages.REFERRAL_SYSTEM + "|" + restReferralId),
                ServiceRequest.class);
        Task taskViaFhir =
                only(search("Task?identifier=" + ReferralMessages.TASK_SYSTEM + "|" + restReferralId), Task.class);

        // Patient identity: both point at the one Patient with that NHS number.
        assertThat(id(viaMllp.getSubject())).isEqualTo(patient.getIdPart()).isEqualTo(id(viaFhir.getSubject()));
        assertThat(patient.getIdentifier())
                .extracting(Identifier::getSystem, Identifier::getValue)
                .contains(org.assertj.core.groups.Tuple.tuple(NHS, nhsNumber));
        // ServiceRequest: code, status, intent, priority, requester, performer, reasons, authored.
        assertThat(codes(viaMllp.getCode()))
                .isEqualTo(codes(viaFhir.getCode()))
                .containsExactly("http://snomed.info/sct|871731000000106");
        assertThat(viaMllp.getStatus()).isEqualTo(viaFhir.getStatus());
        assertThat(viaMllp.getIntent()).isEqualTo(viaFhir.getIntent());
        assertThat(viaMllp.getPriority())
                .isEqualTo(viaFhir.getPriority())
                .isEqualTo(ServiceRequest.ServiceRequestPriority.ROUTINE);
        assertThat(id(viaMllp.getRequester()))
                .isEqualTo(id(viaFhir.getRequester()))
                .isEqualTo(organisation(ReferralMessages.PRACTICE));
        assertThat(viaMllp.getPerformer()).hasSize(1);
        assertThat(id(viaMllp.getPerformerFirstRep()))
                .isEqualTo(id(viaFhir.getPerformerFirstRep()))
                .isEqualTo(organisation(ReferralMessages.SERVICE));
        assertThat(viaMllp.getReasonCode().stream()
                        .map(ReferralOverMllpTest::reason)
                        .toList())
                .isEqualTo(viaFhir.getReasonCode().stream()
                        .map(ReferralOverMllpTest::reason)
                        .toList())
                .containsExactly("Lonely and isolated", "Money worries", "http://snomed.info/sct|105529008");
        assertThat(viaMllp.getAuthoredOn()).isEqualTo(viaFhir.getAuthoredOn());
        // Task: status, intent, priority, due date, owner, requester, patient, focus on its own ServiceRequest.
        assertThat(taskViaMllp.getStatus()).isEqualTo(taskViaFhir.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
        assertThat(taskViaMllp.getIntent()).isEqualTo(taskViaFhir.getIntent());
        assertThat(taskViaMllp.getPriority()).isEqualTo(taskViaFhir.getPriority());
        assertThat(taskViaMllp.getRestriction().getPeriod().getEnd().toInstant())
                .isEqualTo(taskViaFhir.getRestriction().getPeriod().getEnd().toInstant())
                .isEqualTo(dueDate(receivedAt, 3).getValue().toInstant());
        assertThat(id(taskViaMllp.getOwner()))
                .isEqualTo(id(taskViaFhir.getOwner()))
                .isEqualTo(organisation(ReferralMessages.SERVICE));
        assertThat(id(taskViaMllp.getRequester())).isEqualTo(id(taskViaFhir.getRequester()));
        assertThat(id(taskViaMllp.getFor())).isEqualTo(id(taskViaFhir.getFor())).isEqualTo(patient.getIdPart());
        assertThat(id(taskViaMllp.getFocus())).isEqualTo(viaMllp.getIdPart());
        assertThat(id(taskViaFhir.getFocus())).isEqualTo(viaFhir.getIdPart());
    }

    @Test
    void anUrgentReferralIsDueTheDayItArrives() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        String referralId = ReferralMessages.referralId();
        String controlId = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(ReferralMessages.referral(nhsNumber, referralId, controlId, "S"))))
                .isEqualTo("AA");
        Map<String, Object> row = awaitStatus(controlId, "done");
        Task task = only(search("Task?identifier=" + ReferralMessages.TASK_SYSTEM + "|" + referralId), Task.class);
        assertThat(task.getPriority()).isEqualTo(Task.TaskPriority.URGENT);
        assertThat(task.getRestriction().getPeriod().getEnd().toInstant())
                .isEqualTo(
                        dueDate(instant(row.get("RECEIVED_AT")), 0).getValue().toInstant());
    }

    @Test
    void referralWithoutPidIsRejectedAndStored() throws Exception {
        String controlId = AdtMessages.controlId();
        String message = ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), controlId, "R")
                .replaceAll("PID\\|[^\r]*\r", "");
        assertRefused(send(message), controlId, "ERR||PID^1|100^", "100 ");
    }

    @Test
    void referralWithABadNhsNumberCheckDigitIsRejectedWithoutKeepingTheNumberInTheReason() throws Exception {
        String good = SyntheticNhsNumbers.next();
        String bad = good.substring(0, 9) + ((good.charAt(9) - '0' + 1) % 10);
        String controlId = AdtMessages.controlId();
        Map<String, Object> row = assertRefused(
                send(ReferralMessages.referral(bad, ReferralMessages.referralId(), controlId, "R")),
                controlId,
                "ERR||PID^1^3^1^1|102^",
                "102 ");
        assertThat((String) row.get("LAST_ERROR")).doesNotContain(bad).contains("Modulus 11");
    }

    @Test
    void referralWithoutRf1IsRejectedAndStored() throws Exception {
        String controlId = AdtMessages.controlId();
        String message = ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), controlId, "R")
                .replaceAll("RF1\\|[^\r]*\r", "");
        assertRefused(send(message), controlId, "ERR||RF1^1|100^", "100 ");
    }

    @Test
    void referralWithoutTheReceivingServiceIsRejectedAndStored() throws Exception {
        String controlId = AdtMessages.controlId();
        String message = ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), controlId, "R")
                .replace(ReferralMessages.receiver() + "\r", "");
        Map<String, Object> row = assertRefused(send(message), controlId, "ERR||PRD^1|100^", "100 ");
        assertThat((String) row.get("LAST_ERROR")).contains("role RT");
    }

    @Test
    void referralEventOtherThanI12IsRejectedAtMsh9() throws Exception {
        String controlId = AdtMessages.controlId();
        String message = ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), controlId, "R")
                .replace("REF^I12^REF_I12", "REF^I13^REF_I12");
        assertRefused(send(message), controlId, "ERR||MSH^1^9^1^2|201^", "201 ");
    }

    private Map<String, Object> assertRefused(String ack, String controlId, String errStart, String reasonStart)
            throws Exception {
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith(errStart);
        Map<String, Object> row = row(controlId);
        assertThat(row).as("stored row").isNotNull();
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat(row.get("SOURCE")).isEqualTo(ReferralReception.SOURCE);
        assertThat((String) row.get("LAST_ERROR")).startsWith(reasonStart);
        // The listener goes on: a good referral right after is accepted.
        assertThat(AdtMessages.ackCode(send(ReferralMessages.referral(
                        SyntheticNhsNumbers.next(), ReferralMessages.referralId(), AdtMessages.controlId(), "R"))))
                .isEqualTo("AA");
        return row;
    }

    /** The referral as a FHIR transaction: ServiceRequest and Task, referring to existing resources by identifier. */
    static Bundle fhirReferral(String nhsNumber, String referralId, DateTimeType due) {
        Reference patient = new Reference("Patient?identifier=" + NHS + "|" + nhsNumber);
        Reference practice = new Reference("Organization?identifier=" + ODS + "|" + ReferralMessages.PRACTICE);
        Reference service = new Reference("Organization?identifier=" + ODS + "|" + ReferralMessages.SERVICE);
        DateTimeType authored = new DateTimeType("2026-11-25T14:00:00+00:00");

        ServiceRequest request = new ServiceRequest();
        request.addIdentifier().setSystem(ReferralMessages.REFERRAL_SYSTEM).setValue(referralId);
        request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
        request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        request.setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE);
        request.setCode(new CodeableConcept(
                new Coding("http://snomed.info/sct", "871731000000106", "Referral to social prescribing service")));
        request.setSubject(patient.copy());
        request.setAuthoredOnElement(authored.copy());
        request.setRequester(practice.copy());
        request.addPerformer(service.copy());
        request.addReasonCode().setText("Lonely and isolated");
        request.addReasonCode().setText("Money worries");
        request.addReasonCode(new CodeableConcept(new Coding("http://snomed.info/sct", "105529008", "Lives alone"))
                .setText("Lives alone"));
        request.addNote().setText("Would like to meet people locally.");

        Task task = new Task();
        task.addIdentifier().setSystem(ReferralMessages.TASK_SYSTEM).setValue(referralId);
        task.setStatus(Task.TaskStatus.REQUESTED);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setPriority(Task.TaskPriority.ROUTINE);
        String requestUrl = "urn:uuid:" + java.util.UUID.randomUUID();
        task.setFocus(new Reference(requestUrl));
        task.setFor(patient.copy());
        task.setAuthoredOnElement(authored.copy());
        task.setRequester(practice.copy());
        task.setOwner(service.copy());
        task.getRestriction().setPeriod(new Period().setEndElement(due));

        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl(requestUrl)
                .setResource(request)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("ServiceRequest");
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        return bundle;
    }

    /** End of the local day, {@code days} after the day of receipt, as the referral workflow sets it. */
    static DateTimeType dueDate(Instant receivedAt, int days) {
        ZonedDateTime due = receivedAt
                .atZone(LONDON)
                .toLocalDate()
                .plusDays(days)
                .atTime(LocalTime.of(23, 59, 59))
                .atZone(LONDON);
        return new DateTimeType(
                java.util.Date.from(due.toInstant()),
                ca.uhn.fhir.model.api.TemporalPrecisionEnum.SECOND,
                java.util.TimeZone.getTimeZone(LONDON));
    }

    private String organisation(String ods) {
        return only(search("Organization?identifier=" + ODS + "|" + ods), org.hl7.fhir.r4.model.Organization.class)
                .getIdPart();
    }

    private static String id(Reference reference) {
        return reference.getReferenceElement().getIdPart();
    }

    private static List<String> codes(CodeableConcept concept) {
        return concept.getCoding().stream()
                .map(c -> c.getSystem() + "|" + c.getCode())
                .toList();
    }

    /** A reason as its first coding, or its text when it has none. */
    private static String reason(CodeableConcept concept) {
        return concept.hasCoding() ? codes(concept).get(0) : concept.getText();
    }

    private static Instant instant(Object timestamp) {
        if (timestamp instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        if (timestamp instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        throw new AssertionError("unexpected RECEIVED_AT type " + timestamp.getClass());
    }

    @SuppressWarnings("unchecked")
    private static <T extends org.hl7.fhir.r4.model.Resource> T only(Bundle bundle, Class<T> type) {
        assertThat(bundle.getEntry()).as(type.getSimpleName() + " found").hasSize(1);
        return (T) bundle.getEntryFirstRep().getResource();
    }
}
