package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.v251.message.ADT_A03;
import ca.uhn.hl7v2.model.v251.message.RRI_I12;
import ca.uhn.hl7v2.util.Terser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Issue 25, the {@code hl7v2-mllp} channel: a discharge reaches a practice that speaks HL7 v2 as an ADT^A03 over
 * MLLP, to HAPI HL7 v2's own server on this machine; {@code AA} delivers, {@code AE} is retried with the same
 * MSH-10, {@code AR} is dead with the receiver's text; an event HL7 v2 cannot express is not recorded for it.
 */
class Hl7v2MllpExchangeTest extends GatewayIntegrationTest {

    @Autowired
    private JdbcTemplate jdbc;

    private final Hl7v2Receiver receiver = new Hl7v2Receiver();
    private final String practiceOds =
            "M" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aDischargeGoesAsAnAdtA03AndIsDeliveredOnAa() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        Reference patient = patient(nhsNumber, practice(endpoint(receiver.address())));
        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        client().create().resource(finished(patient, visit)).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        Thread.sleep(600);
        assertThat(receiver.received()).hasSize(1);
        Message message = receiver.received().get(0);
        assertThat(message).isInstanceOf(ADT_A03.class);
        Terser t = new Terser(message);
        assertThat(t.get("MSH-9-1")).isEqualTo("ADT");
        assertThat(t.get("MSH-9-2")).isEqualTo("A03");
        assertThat(t.get("MSH-12")).isEqualTo("2.5.1");
        assertThat(t.get("MSH-10")).isEqualTo(controlId(row));
        assertThat(t.get("MSH-6-1")).isEqualTo(practiceOds);
        assertThat(t.get("PID-3-1")).isEqualTo(nhsNumber);
        assertThat(t.get("PID-3-4")).isEqualTo("NHS");
        assertThat(t.get("PID-3-5")).isEqualTo("NH");
        assertThat(t.get("PID-7")).isEqualTo("19480314");
        assertThat(t.get("PV1-2")).isEqualTo("I");
        assertThat(t.get("PV1-19-1")).isEqualTo(visit);
        assertThat(t.get("PV1-19-4")).isEqualTo("RWELL");
        assertThat(t.get("PV1-36")).isEqualTo("pathway-1");
        assertThat(t.get("PV1-44")).isEqualTo("20261128090000+0000");
        assertThat(t.get("PV1-45")).isEqualTo("20261130120000+0000");

        assertThat(row.get("CHANNEL")).isEqualTo("hl7v2-mllp");
        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat((String) row.get("LAST_ANSWER")).startsWith("MSA-1 AA");

        // An admin sees the message as it was sent on the delivery, not in the list.
        long id = ((Number) row.get("ID")).longValue();
        JsonNode shown = adminGet("/admin/deliveries/" + id);
        JsonNode payload = shown.path("payload");
        assertThat(payload.path("contentType").asText()).isEqualTo("x-application/hl7-v2+er7");
        assertThat(payload.path("truncated").asBoolean()).isFalse();
        assertThat(payload.path("text").asText())
                .startsWith("MSH|^~\\&|LINKWELL|")
                .contains("|" + controlId(row) + "|")
                .contains("PID|1||" + nhsNumber + "^^^NHS^NH");
        assertThat(payload.path("bytes").asInt())
                .isEqualTo(payload.path("text").asText().getBytes(StandardCharsets.UTF_8).length);
        JsonNode list = adminGet("/admin/deliveries?endpoint=" + row.get("ENDPOINT"));
        assertThat(list.path("items").get(0).path("id").asLong()).isEqualTo(id);
        assertThat(list.path("items").get(0).has("payload")).isFalse();
    }

    private JsonNode adminGet(String path) throws Exception {
        HttpResponse<String> response = http().send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void anAeIsTriedAgainWithTheSameControlIdAndDeliveredOnce() throws Exception {
        receiver.thenAnswer(AcknowledgmentCode.AE);
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint(receiver.address())));
        client().create()
                .resource(finished(patient, "V" + UUID.randomUUID().toString().substring(0, 8)))
                .execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        Thread.sleep(800);
        assertThat(row.get("ATTEMPTS")).isEqualTo(2);
        assertThat(receiver.received()).hasSize(2);
        assertThat(receiver.received())
                .extracting(m -> new Terser(m).get("MSH-10"))
                .containsExactly(controlId(row), controlId(row));
    }

    @Test
    void anArIsDeadAtOnceWithTheReceiversText() throws Exception {
        receiver.thenAnswer(AcknowledgmentCode.AR);
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint(receiver.address())));
        client().create()
                .resource(finished(patient, "V" + UUID.randomUUID().toString().substring(0, 8)))
                .execute();

        Map<String, Object> row = awaitDelivery(patient, "dead");
        Thread.sleep(800);
        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat(receiver.received()).hasSize(1);
        assertThat((String) row.get("LAST_ANSWER")).startsWith("MSA-1 AR").contains(Hl7v2Receiver.ERROR_TEXT);
    }

    @Test
    void aReceiverThatIsNotListeningIsTriedAgain() throws Exception {
        String address = receiver.address();
        receiver.close();
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint(address)));
        client().create()
                .resource(finished(patient, "V" + UUID.randomUUID().toString().substring(0, 8)))
                .execute();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> deliveries(patient).stream().anyMatch(r -> ((Number) r.get("ATTEMPTS")).intValue() >= 2));
        Map<String, Object> row = deliveries(patient).get(0);
        assertThat(row.get("STATUS")).isIn("pending", "sending", "dead");
        assertThat(row.get("DELIVERED_AT")).isNull();
    }

    @Test
    void aCarePlanIsNotRecordedForAnHl7v2Endpoint() throws Exception {
        String endpoint = endpoint(receiver.address());
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        Reference author = new Reference(client().create()
                .resource(LinkwellFixtures.practitioner("Mllp-planner"))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
        client().create().resource(LinkwellFixtures.actionPlan(patient, author)).execute();
        // The discharge, written after the plan, is recorded and sent: the plan's trigger ran and chose not to.
        client().create()
                .resource(finished(patient, "V" + UUID.randomUUID().toString().substring(0, 8)))
                .execute();

        awaitDelivery(patient, "delivered");
        assertThat(deliveries(patient)).extracting(r -> r.get("EVENT")).containsExactly("discharge");
    }

    @Test
    void aReferralDeclinedThroughTheTaskApiReachesAnHl7v2ReferrerAsAnRriI12() throws Exception {
        String councilOds = "N" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        client().create()
                .resource(LinkwellFixtures.organisation(councilOds, "MLLP test council"))
                .execute();
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint(receiver.address())));
        IGenericClient gp = clientAs(Claims.of("gp-system", practiceOds, ExchangeTriggersTest.GP_SCOPES));
        IGenericClient council =
                clientAs(Claims.of("social-care-system", councilOds, ExchangeTriggersTest.SOCIAL_CARE_SCOPES));
        IdType task = refer(gp, patient, councilOds);

        Task declined = council.read().resource(Task.class).withId(task).execute();
        declined.setStatus(Task.TaskStatus.REJECTED);
        declined.setStatusReason(new CodeableConcept(new Coding(
                        "https://fhir.linkwell.example/CodeSystem/referral-decline-reason",
                        "needs-met-elsewhere",
                        null))
                .setText("Debt advice is the pressing need"));
        declined.addExtension(
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                new CodeableConcept().setText("Citizens Advice debt clinic"));
        council.update().resource(declined).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        assertThat(row.get("EVENT")).isEqualTo("referral-declined");
        Message message = receiver.received().get(receiver.received().size() - 1);
        assertThat(message).isInstanceOf(RRI_I12.class);
        Terser t = new Terser(message);
        assertThat(t.get("MSH-10")).isEqualTo(controlId(row));
        assertThat(t.get("RF1-1-1")).isEqualTo("R");
        assertThat(t.get("RF1-6-1")).isEqualTo(task.getIdPart());
        List<String> notes = new java.util.ArrayList<>();
        for (int i = 0; i < ((RRI_I12) message).getNTEReps(); i++) {
            notes.add(t.get("/NTE(" + i + ")-3"));
        }
        assertThat(notes).contains("Reason: Debt advice is the pressing need");
        // The decline letter the referral workflow wrote goes too, as notes.
        assertThat(notes).anySatisfy(n -> assertThat(n)
                .contains("Needs better met by another service", "Citizens Advice debt clinic"));
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    /** The GP system's referral to the council: ServiceRequest + Task in one transaction; returns the Task's id. */
    private IdType refer(IGenericClient gp, Reference patient, String councilOds) {
        String referrer = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + practiceOds;
        String team = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + councilOds;
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        ServiceRequest request = LinkwellFixtures.referral(patient, new Reference(referrer), new Reference(team));
        request.addReasonCode().setText("Isolated since bereavement");
        bundle.addEntry()
                .setFullUrl(requestUrl)
                .setResource(request)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("ServiceRequest");
        Task task = new Task()
                .setStatus(Task.TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(new Reference(requestUrl))
                .setFor(patient)
                .setAuthoredOn(new Date())
                .setRequester(new Reference(referrer))
                .setOwner(new Reference(team));
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        Bundle response = gp.transaction().withBundle(bundle).execute();
        return new IdType(response.getEntry().stream()
                        .map(e -> e.getResponse().getLocation())
                        .filter(l -> l.startsWith("Task/"))
                        .findFirst()
                        .orElseThrow())
                .toUnqualifiedVersionless();
    }

    private String endpoint(String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7v2-mllp", null))
                .setAddress(address);
        endpoint.addPayloadType().setText("HL7 v2");
        return "Endpoint/"
                + client().create().resource(endpoint).execute().getId().getIdPart();
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(practiceOds, "MLLP test surgery");
        practice.addEndpoint(new Reference(endpoint));
        return new Reference(client().create()
                .resource(practice)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private Reference patient(String nhsNumber, Reference practice) {
        Patient patient = LinkwellFixtures.patient(nhsNumber);
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1948-03-14"));
        patient.addGeneralPractitioner(practice);
        return new Reference(client().create()
                .resource(patient)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private static Encounter finished(Reference patient, String visit) {
        Encounter encounter = new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"))
                .setSubject(patient)
                .setPeriod(new Period()
                        .setStart(Date.from(Instant.parse("2026-11-28T09:00:00Z")))
                        .setEnd(Date.from(Instant.parse("2026-11-30T12:00:00Z"))));
        encounter
                .addIdentifier()
                .setSystem("https://fhir.linkwell.example/Id/visit-number/RWELL")
                .setValue(visit);
        encounter
                .getHospitalization()
                .setDischargeDisposition(new CodeableConcept(new Coding(
                        "https://fhir.linkwell.example/CodeSystem/discharge-pathway", "pathway-1", "Pathway 1")));
        return encounter;
    }

    private List<Map<String, Object>> deliveries(Reference patient) {
        return jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
    }

    private Map<String, Object> awaitDelivery(Reference patient, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(r -> status.equals(r.get("STATUS"))));
        List<Map<String, Object>> rows = deliveries(patient);
        return rows.stream()
                .filter(r -> status.equals(r.get("STATUS")))
                .findFirst()
                .orElseThrow();
    }

    /** MSH-10 of a delivery: the first 20 hex digits of its idempotency key (v2.5.1 allows 20 characters). */
    private static String controlId(Map<String, Object> row) {
        String hex = ((String) row.get("IDEMPOTENCY_KEY")).replace("-", "").toUpperCase(java.util.Locale.ROOT);
        assertThat(hex).hasSizeGreaterThanOrEqualTo(20);
        return hex.substring(0, 20);
    }
}
