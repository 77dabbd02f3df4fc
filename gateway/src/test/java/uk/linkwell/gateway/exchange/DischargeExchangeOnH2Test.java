package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The outbox on the embedded H2 default: a finished Encounter is recorded, claimed ({@code FOR UPDATE SKIP
 * LOCKED} on H2) and delivered to a real receiver as a FHIR message.
 */
class DischargeExchangeOnH2Test {

    @Test
    void aDischargeIsDeliveredOnH2() {
        try (ExchangeReceiver receiver = new ExchangeReceiver();
                GatewayInstance gateway = GatewayInstance.onH2(Map.of(
                        "linkwell.hospital.mllp.enabled", "false",
                        "linkwell.exchange.poll-interval", "200ms",
                        "linkwell.exchange.start-delay", "0s"))) {
            IGenericClient admin = gateway.admin();
            Endpoint endpoint = new Endpoint()
                    .setStatus(Endpoint.EndpointStatus.ACTIVE)
                    .setConnectionType(new Coding(
                            "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                    .setAddress(receiver.base() + "/fhir");
            endpoint.addPayloadType().setText("FHIR message");
            String endpointRef = "Endpoint/"
                    + admin.create().resource(endpoint).execute().getId().getIdPart();
            Organization practice = LinkwellFixtures.organisation("H2P01", "H2 test surgery");
            practice.addEndpoint(new Reference(endpointRef));
            Reference practiceRef = new Reference("Organization/"
                    + admin.create().resource(practice).execute().getId().getIdPart());
            Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
            person.addGeneralPractitioner(practiceRef);
            String patientRef = "Patient/"
                    + admin.create().resource(person).execute().getId().getIdPart();
            Encounter stay = new Encounter()
                    .setStatus(Encounter.EncounterStatus.FINISHED)
                    .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", null))
                    .setSubject(new Reference(patientRef))
                    .setPeriod(new Period()
                            .setStart(Date.from(Instant.parse("2026-11-28T09:00:00Z")))
                            .setEnd(Date.from(Instant.parse("2026-11-30T12:00:00Z"))));
            admin.create().resource(stay).execute();

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> "delivered".equals(status(gateway, patientRef)));
            assertThat(receiver.received()).hasSize(1);
            // Each entry's own id, not the one HAPI's parser would take from its fullUrl.
            Bundle message = FhirContext.forR4Cached()
                    .newJsonParser()
                    .setOverrideResourceIdWithBundleEntryFullUrl(false)
                    .parseResource(Bundle.class, receiver.received().get(0).text());
            MessageHeader header = (MessageHeader) message.getEntryFirstRep().getResource();
            String key = gateway.jdbc()
                    .queryForObject(
                            "SELECT IDEMPOTENCY_KEY FROM LW_DELIVERY WHERE PATIENT = ?", String.class, patientRef);
            assertThat(header.getIdElement().getIdPart()).isEqualTo(key);
            assertThat(header.getEventCoding().getCode()).isEqualTo("discharge");
        }
    }

    private static String status(GatewayInstance gateway, String patient) {
        List<String> statuses =
                gateway.jdbc().queryForList("SELECT STATUS FROM LW_DELIVERY WHERE PATIENT = ?", String.class, patient);
        return statuses.isEmpty() ? null : statuses.get(0);
    }
}
