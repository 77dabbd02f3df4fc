package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.GatewayProcess;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * A gateway killed as an operating system kills it ({@code kill -9}) between the commit of a triggering write and
 * the send: one delivery claimed and on the wire to a receiver that has not answered yet, a second committed and
 * waiting behind it. Restarted on the same database and data folder, the gateway takes its claim back at once and
 * delivers both, in order, each under the idempotency key it was recorded with; nothing is lost.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class ExchangeCrashRecoveryTest {

    private static final Path LOGS = Path.of("target", "exchange-crash-recovery");

    @Test
    void deliveriesCommittedBeforeAKillAreDeliveredAfterTheRestart(@TempDir Path dataDir) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("exchange_crash");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("linkwell.exchange.poll-interval", "200ms");
        settings.put("linkwell.exchange.start-delay", "0s");
        settings.put("linkwell.exchange.retry-base-delay", "300ms");
        // Long enough that the killed gateway is still waiting for the hanging receiver's answer.
        settings.put("linkwell.exchange.response-timeout", "60s");
        GatewayProcess gateway = GatewayProcess.on(db, dataDir, settings, LOGS.resolve("gateway.log"));
        try (ExchangeReceiver receiver = new ExchangeReceiver()) {
            // The first message is held for 20 s: the gateway is killed while it waits for the answer.
            receiver.thenHang(Duration.ofSeconds(20));
            gateway.start();
            IGenericClient fhir = client(gateway);

            Endpoint endpoint = new Endpoint()
                    .setStatus(Endpoint.EndpointStatus.ACTIVE)
                    .setConnectionType(new Coding(
                            "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                    .setAddress(receiver.base() + "/fhir");
            endpoint.addPayloadType().setText("FHIR message");
            String endpointRef = "Endpoint/"
                    + fhir.create().resource(endpoint).execute().getId().getIdPart();
            String ods = "K" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
            Organization practice = LinkwellFixtures.organisation(ods, "Crash test surgery");
            practice.addEndpoint(new Reference(endpointRef));
            Reference practiceRef = new Reference("Organization/"
                    + fhir.create().resource(practice).execute().getId().getIdPart());
            Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
            person.addGeneralPractitioner(practiceRef);
            Reference patient = new Reference("Patient/"
                    + fhir.create().resource(person).execute().getId().getIdPart());

            // Two discharges, each a committed write with its delivery. The first goes on the wire and hangs; the
            // second waits behind it (in order per recipient and person).
            String first = discharge(fhir, patient, "2026-11-20T10:00:00Z");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> receiver.received().size() == 1);
            String second = discharge(fhir, patient, "2026-11-27T10:00:00Z");
            List<Map<String, Object>> before = deliveries(db, patient.getReference());
            assertThat(before).hasSize(2);
            assertThat(before.get(0).get("STATUS")).isEqualTo("sending");
            assertThat(before.get(0).get("FOCUS")).isEqualTo(first);
            assertThat(before.get(1).get("STATUS")).isEqualTo("pending");
            assertThat(before.get(1).get("FOCUS")).isEqualTo(second);

            gateway.kill();

            gateway.start();
            Instant restarted = Instant.now();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> deliveries(db, patient.getReference()).stream()
                            .allMatch(r -> "delivered".equals(r.get("STATUS"))));
            // Its own claim was taken back at start-up, not after the claim's lease (two minutes) lapsed.
            assertThat(Duration.between(restarted, Instant.now())).isLessThan(Duration.ofSeconds(60));

            List<Map<String, Object>> after = deliveries(db, patient.getReference());
            String firstKey = (String) before.get(0).get("IDEMPOTENCY_KEY");
            String secondKey = (String) before.get(1).get("IDEMPOTENCY_KEY");
            assertThat(after).extracting(r -> r.get("IDEMPOTENCY_KEY")).containsExactly(firstKey, secondKey);
            // At least once: the unanswered first attempt, then the first again with the same key, then the second.
            List<String> keys = new ArrayList<>();
            List<String> encounters = new ArrayList<>();
            FhirContext context = FhirContext.forR4Cached();
            for (ExchangeReceiver.Received request : receiver.received()) {
                Bundle message = context.newJsonParser()
                        .setOverrideResourceIdWithBundleEntryFullUrl(false)
                        .parseResource(Bundle.class, request.text());
                MessageHeader header =
                        (MessageHeader) message.getEntryFirstRep().getResource();
                keys.add(header.getIdElement().getIdPart());
                encounters.add(message.getEntry().stream()
                        .map(Bundle.BundleEntryComponent::getResource)
                        .filter(r -> r instanceof Encounter)
                        .map(r -> "Encounter/" + r.getIdElement().getIdPart())
                        .findFirst()
                        .orElseThrow());
            }
            assertThat(keys).containsExactly(firstKey, firstKey, secondKey);
            assertThat(encounters).containsExactly(first, first, second);
        } finally {
            gateway.kill();
        }
    }

    private static String discharge(IGenericClient fhir, Reference patient, String ended) {
        Instant end = Instant.parse(ended);
        Encounter stay = new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"))
                .setSubject(patient)
                .setPeriod(new Period()
                        .setStart(Date.from(end.minus(Duration.ofDays(3))))
                        .setEnd(Date.from(end)));
        return "Encounter/" + fhir.create().resource(stay).execute().getId().getIdPart();
    }

    private static IGenericClient client(GatewayProcess gateway) {
        String token = TestTokens.fromTokenEndpoint(
                gateway.base(), GatewayInstance.ADMIN, GatewayInstance.ADMIN + GatewayInstance.SECRET_SUFFIX, null);
        IGenericClient fhir = GatewayIntegrationTest.newClient(FhirContext.forR4Cached(), gateway.base() + "/fhir");
        fhir.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return fhir;
    }

    private static List<Map<String, Object>> deliveries(PostgresTestDatabase.Connection db, String patient)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password())) {
            var statement = c.prepareStatement(
                    "SELECT STATUS, FOCUS, IDEMPOTENCY_KEY FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID");
            statement.setString(1, patient);
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("STATUS", rs.getString(1));
                    row.put("FOCUS", rs.getString(2));
                    row.put("IDEMPOTENCY_KEY", rs.getString(3));
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
