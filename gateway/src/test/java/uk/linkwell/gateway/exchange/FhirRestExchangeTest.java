package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Issue 25, the {@code hl7-fhir-rest} channel: a discharge is written to a partner's own FHIR server (a second,
 * plain HAPI server started here) as a transaction of conditional updates; what it holds afterwards is the
 * Encounter and the person, linked, keyed on the gateway's identifiers, and a resend leaves no duplicate.
 */
class FhirRestExchangeTest extends GatewayIntegrationTest {

    @Autowired
    private JdbcTemplate jdbc;

    private PlainFhirReceiver receiver;

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = new PlainFhirReceiver(fhirContext);
    }

    @AfterEach
    void stopReceiver() throws Exception {
        receiver.close();
    }

    @Test
    void aDischargeIsWrittenToThePartnersServerWithTheEncounterLinkedToThePerson() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        Reference patient = patient(nhsNumber, practice(endpoint(receiver.base())));
        String stayId =
                client().create().resource(finished(patient)).execute().getId().getIdPart();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        assertThat(row.get("CHANNEL")).isEqualTo("hl7-fhir-rest");
        assertThat(row.get("LAST_STATUS_CODE")).isEqualTo(200);
        assertThat(receiver.transactions()).isEqualTo(1);

        List<Resource> held = receiver.stored();
        assertThat(held).hasSize(2);
        Encounter encounter = only(held, Encounter.class);
        Patient person = only(held, Patient.class);
        assertThat(sourceId(encounter.getIdentifier())).isEqualTo("Encounter/" + stayId);
        assertThat(sourceId(person.getIdentifier())).isEqualTo(patient.getReference());
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getPeriod().getEnd().toInstant()).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
        // The reference between the two was resolved by the receiver to its own id for the person.
        assertThat(encounter.getSubject().getReference())
                .isEqualTo("Patient/" + person.getIdElement().getIdPart());
        assertThat(person.getIdentifier())
                .anySatisfy(i -> assertThat(i.getValue()).isEqualTo(nhsNumber));
    }

    @Test
    void aResendAfterALostAnswerUpdatesWhatTheReceiverHoldsInsteadOfDuplicatingIt() throws Exception {
        receiver.thenLoseAnswer();
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint(receiver.base())));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        assertThat(row.get("ATTEMPTS")).isEqualTo(2);
        assertThat(receiver.transactions()).isEqualTo(2);
        assertThat(receiver.stored()).hasSize(2);
        assertThat(receiver.stored()).extracting(Resource::fhirType).containsExactlyInAnyOrder("Encounter", "Patient");
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    private static String sourceId(List<Identifier> identifiers) {
        return identifiers.stream()
                .filter(i -> FhirRestSender.SOURCE_SYSTEM.equals(i.getSystem()))
                .map(Identifier::getValue)
                .findFirst()
                .orElse(null);
    }

    private static <T extends Resource> T only(List<Resource> resources, Class<T> type) {
        List<T> matching =
                resources.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }

    private String endpoint(String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-rest", null))
                .setAddress(address);
        endpoint.addPayloadType().setText("FHIR resources");
        return "Endpoint/"
                + client().create().resource(endpoint).execute().getId().getIdPart();
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(
                "R" + UUID.randomUUID().toString().substring(0, 5).toUpperCase(), "FHIR REST test surgery");
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
        patient.addGeneralPractitioner(practice);
        return new Reference(client().create()
                .resource(patient)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private static Encounter finished(Reference patient) {
        return new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"))
                .setSubject(patient)
                .setPeriod(new Period()
                        .setStart(Date.from(Instant.parse("2026-11-28T09:00:00Z")))
                        .setEnd(Date.from(Instant.parse("2026-11-30T12:00:00Z"))));
    }

    private List<Map<String, Object>> deliveries(Reference patient) {
        return jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
    }

    private Map<String, Object> awaitDelivery(Reference patient, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(r -> status.equals(r.get("STATUS"))));
        return deliveries(patient).stream()
                .filter(r -> status.equals(r.get("STATUS")))
                .findFirst()
                .orElseThrow();
    }
}
