package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
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

/**
 * Issue 25, one receiver's trouble is its own: an Endpoint that is down opens its circuit breaker (3 failures in a
 * row in the tests, open for 4 s) and its delivery is not attempted while it is open, while another Endpoint's
 * delivery goes; a receiver that hangs until the response timeout (3 s in the tests) does not delay another's.
 */
class ExchangeResilienceTest extends GatewayIntegrationTest {

    @Autowired
    private JdbcTemplate jdbc;

    private final ExchangeReceiver up = new ExchangeReceiver();
    private final ExchangeReceiver hanging = new ExchangeReceiver();

    @AfterEach
    void stopReceivers() {
        up.close();
        hanging.close();
    }

    @Test
    void anEndpointThatIsDownStopsBeingTriedWhileItsBreakerIsOpenAndAnotherGoesOn() throws Exception {
        Reference downPatient = patient(practice(endpoint("http://127.0.0.1:" + closedPort() + "/fhir")));
        Reference upPatient = patient(practice(endpoint(up.base() + "/fhir")));
        client().create().resource(finished(downPatient)).execute();

        // Three failed attempts in a row (connection refused) open the Endpoint's breaker.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> attempts(downPatient) >= 3);
        assertThat(attempts(downPatient)).isEqualTo(3);

        // While it is open (4 s), another Endpoint's delivery goes...
        long started = System.nanoTime();
        client().create().resource(finished(upPatient)).execute();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "delivered".equals(row(upPatient).get("STATUS")));
        assertThat(up.received()).hasSize(1);
        // ... and the one that is down is not attempted again (its backoff alone would have tried it after 1 s).
        long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
        if (waited < 2500) {
            Thread.sleep(2500 - waited);
        }
        assertThat(attempts(downPatient)).isEqualTo(3);
        assertThat(row(downPatient).get("STATUS")).isEqualTo("pending");

        // Once open-for has passed, one probe is sent: it fails, and with max-attempts (4) spent the delivery is dead.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "dead".equals(row(downPatient).get("STATUS")));
        assertThat(attempts(downPatient)).isEqualTo(4);
    }

    @Test
    void aReceiverThatHangsDoesNotDelayAnotherReceiversDelivery() throws Exception {
        hanging.thenHang(Duration.ofSeconds(6));
        Reference slowPatient = patient(practice(endpoint(hanging.base() + "/fhir")));
        Reference otherPatient = patient(practice(endpoint(up.base() + "/fhir")));
        client().create().resource(finished(slowPatient)).execute();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !hanging.received().isEmpty());

        // The hanging receiver holds its request (up to the 3 s response timeout); the other is sent meanwhile.
        client().create().resource(finished(otherPatient)).execute();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "delivered".equals(row(otherPatient).get("STATUS")));
        Instant otherDelivered = ((Timestamp) row(otherPatient).get("DELIVERED_AT")).toInstant();

        // The hanging one's first attempt ended at its timeout, after the other was already delivered.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ((Number) row(slowPatient).get("ATTEMPTS")).intValue() >= 1
                        && row(slowPatient).get("LAST_ANSWER") != null);
        Map<String, Object> slow = row(slowPatient);
        Instant slowGivenUp = ((Timestamp) slow.get("UPDATED_AT")).toInstant();
        assertThat(otherDelivered).isBefore(slowGivenUp);
        assertThat(up.received()).hasSize(1);
        // And the hanging one is delivered on its next attempt, as before.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "delivered".equals(row(slowPatient).get("STATUS")));
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    private static int closedPort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private String endpoint(String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                .setAddress(address);
        endpoint.addPayloadType().setText("FHIR message");
        return "Endpoint/"
                + client().create().resource(endpoint).execute().getId().getIdPart();
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(
                "B" + UUID.randomUUID().toString().substring(0, 5).toUpperCase(), "Resilience test surgery");
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

    private Map<String, Object> row(Reference patient) {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private int attempts(Reference patient) {
        return ((Number) row(patient).get("ATTEMPTS")).intValue();
    }
}
