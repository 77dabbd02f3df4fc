package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTls;

/**
 * Issue 25, outbound TLS: an Endpoint's https address is called with the Spring Boot SSL bundle configured for it
 * ({@code linkwell.exchange.tls-bundles.<id>}), presenting its client certificate to a real HTTPS receiver on this
 * machine that requires one. Without the client certificate, or to a server the bundle does not trust, the handshake
 * fails: the delivery is retried, its last answer names the TLS failure (and no secret), and nothing arrives. The
 * bundles and key material are in {@link GatewayIntegrationTest} and {@link TestTls}.
 */
class OutboundTlsExchangeTest extends GatewayIntegrationTest {

    @Autowired
    private JdbcTemplate jdbc;

    private ExchangeReceiver receiver;

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void aDischargeReachesAReceiverThatRequiresTheGatewaysClientCertificate() throws Exception {
        receiver = new ExchangeReceiver(TestTls.get().receiverContext(true));
        Reference patient = patient(practice(endpoint(EXCHANGE_TEST_MTLS, receiver.base() + "/fhir")));
        String stayId =
                client().create().resource(finished(patient)).execute().getId().getIdPart();

        Map<String, Object> row = awaitDelivery(patient, r -> "delivered".equals(r.get("STATUS")));
        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat(row.get("LAST_STATUS_CODE")).isEqualTo(200);
        assertThat(receiver.base()).startsWith("https://");
        assertThat(receiver.received()).hasSize(1);
        ExchangeReceiver.Received request = receiver.received().get(0);
        assertThat(request.path()).isEqualTo("/fhir/$process-message");
        assertThat(request.clientCertificate()).isEqualTo(TestTls.CLIENT_DN);
        Bundle message = fhirContext
                .newJsonParser()
                .setOverrideResourceIdWithBundleEntryFullUrl(false)
                .parseResource(Bundle.class, request.text());
        MessageHeader header = (MessageHeader) message.getEntryFirstRep().getResource();
        assertThat(header.getIdElement().getIdPart()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(message.getEntry())
                .extracting(Bundle.BundleEntryComponent::getResource)
                .filteredOn(r -> r instanceof Encounter)
                .singleElement()
                .satisfies(e -> assertThat(e.getIdElement().getIdPart()).isEqualTo(stayId));
    }

    @Test
    void withoutAClientCertificateTheHandshakeFailsVisiblyAndIsRetried() throws Exception {
        // A TLS 1.2 listener (an SSLServerSocket) in front of the receiver: it refuses the missing certificate inside
        // the handshake with an alert. (On TLS 1.3, or from the JDK's HttpsServer, which closes without the alert,
        // the gateway reads a reset or a broken pipe instead.)
        receiver = new ExchangeReceiver();
        try (TlsTunnel tls = new TlsTunnel(
                TestTls.get().receiverContext(true),
                "127.0.0.1",
                java.net.URI.create(receiver.base()).getPort(),
                true)) {
            Reference patient =
                    patient(practice(endpoint(EXCHANGE_TEST_TLS_NO_KEY, "https://127.0.0.1:" + tls.port() + "/fhir")));
            client().create().resource(finished(patient)).execute();

            Map<String, Object> row = awaitDelivery(patient, r -> ((Number) r.get("ATTEMPTS")).intValue() >= 2);
            assertThat(row.get("STATUS")).isIn("pending", "sending", "dead");
            // The listener refused the handshake; the gateway reads the alert (TLS handshake failed: ...) or, when
            // the listener closes first, the broken connection. Either way no secret, and tried again.
            assertThat((String) row.get("LAST_ANSWER"))
                    .matches("TLS handshake failed: .*|.*SocketException: (Connection reset|Broken pipe).*");
            assertThat((String) row.get("LAST_ANSWER"))
                    .doesNotContain(TestTls.get().password());
            assertThat(receiver.received()).isEmpty();
            assertThat(tls.failedHandshakes()).isGreaterThanOrEqualTo(1);
            assertThat(tls.clientCertificates()).isEmpty();
        }
    }

    @Test
    void aServerTheBundleDoesNotTrustIsNotSentToAndTheFailureIsNamed() throws Exception {
        receiver = new ExchangeReceiver(TestTls.get().receiverContext(false));
        Reference patient = patient(practice(endpoint(EXCHANGE_TEST_MTLS_UNTRUSTED, receiver.base() + "/fhir")));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = assertFailedHandshakeRetried(patient);
        // The server's certificate was refused by the gateway, not the gateway's by the server.
        assertThat((String) row.get("LAST_ANSWER")).containsIgnoringCase("certification path");
    }

    @Test
    void anEndpointWhoseSslBundleIsMissingIsDeadAtOnceSayingWhichBundle() throws Exception {
        receiver = new ExchangeReceiver(TestTls.get().receiverContext(true));
        Reference patient = patient(practice(endpoint(EXCHANGE_TEST_TLS_MISSING, receiver.base() + "/fhir")));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, r -> "dead".equals(r.get("STATUS")));
        assertThat((String) row.get("LAST_ANSWER")).contains("no SSL bundle no-such-bundle");
        assertThat(receiver.received()).isEmpty();
    }

    private Map<String, Object> assertFailedHandshakeRetried(Reference patient) {
        Map<String, Object> row = awaitDelivery(patient, r -> ((Number) r.get("ATTEMPTS")).intValue() >= 2);
        // Waiting for its next attempt, being tried again, or out of attempts: not delivered.
        assertThat(row.get("STATUS")).isIn("pending", "sending", "dead");
        assertThat(row.get("LAST_STATUS_CODE")).isNull();
        String answer = (String) row.get("LAST_ANSWER");
        assertThat(answer).startsWith("TLS handshake failed: ");
        assertThat(answer).doesNotContain(TestTls.get().password());
        assertThat(receiver.received()).isEmpty();
        return row;
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    /** Writes (or rewrites) the client-assigned Endpoint the TLS settings are configured for. */
    private String endpoint(String id, String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                .setAddress(address);
        endpoint.setId("Endpoint/" + id);
        endpoint.addPayloadType().setText("FHIR message");
        client().update().resource(endpoint).execute();
        return "Endpoint/" + id;
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(
                "T" + UUID.randomUUID().toString().substring(0, 5).toUpperCase(), "TLS test surgery");
        practice.addEndpoint(new Reference(endpoint));
        return new Reference(client().create()
                .resource(practice)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private Reference patient(Reference practice) {
        Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
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

    private Map<String, Object> awaitDelivery(
            Reference patient, java.util.function.Predicate<Map<String, Object>> condition) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(condition));
        return deliveries(patient).stream().filter(condition).findFirst().orElseThrow();
    }
}
