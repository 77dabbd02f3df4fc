package uk.linkwell.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.GatewayProcess;
import uk.linkwell.gateway.testsupport.InboundDoors;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * Gateways killed as an operating system kills them ({@code kill -9}) while they apply messages: every message
 * acknowledged {@code AA} is applied exactly once, a restarted gateway takes its own claims back at once, and a
 * second gateway on the same database takes over the claims of one that died once their leases lapse.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class CrashRecoveryTest {

    private static final Path LOGS = Path.of("target", "crash-recovery");

    /** A01 then A03 for each of {@code people} fresh people: the messages, in the order to send them. */
    private static List<String> feed(int people) {
        List<KnownPeopleFlow.Person> persons = new ArrayList<>();
        for (int i = 0; i < people; i++) {
            String suffix = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            persons.add(new KnownPeopleFlow.Person(SyntheticNhsNumbers.next(), "J" + suffix, "V" + suffix, null, null));
        }
        List<String> messages = new ArrayList<>();
        persons.forEach(p -> messages.add(KnownPeopleFlow.Hl7.admit(p, p.visit1(), "A01")));
        persons.forEach(p -> messages.add(KnownPeopleFlow.Hl7.dischargeWithDoctors(p, p.visit1(), "1")));
        return messages.stream()
                .map(m -> m.replace(
                        "{CONTROL}",
                        "C" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)))
                .toList();
    }

    @Test
    void aGatewayKilledMidApplyAndRestartedDrainsItsQueueWithinAMinute(@TempDir Path dataDir) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("crash");
        GatewayProcess gateway = GatewayProcess.on(db, dataDir, Map.of(), LOGS.resolve("restart.log"));
        List<String> messages = feed(60);
        try {
            gateway.start();
            try (MllpClient client = new MllpClient(gateway.mllpPort())) {
                for (String message : messages) {
                    assertThat(InboundDoors.ackCode(client.send(message))).isEqualTo("AA");
                }
            }
            // Killed while it applies: some messages done, some claimed and being applied.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> count(db, "done") >= 10 && count(db, "processing") > 0);
            gateway.kill();
            assertThat(count(db, "processing")).as("claimed when killed").isPositive();

            gateway.start();
            Instant restarted = Instant.now();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> count(db, "done") == messages.size());
            Duration drained = Duration.between(restarted, Instant.now());
            System.out.printf("restarted gateway drained its queue in %d ms%n", drained.toMillis());
            // Its own claims were taken back at start-up, not after their 30 s leases lapsed.
            assertThat(drained).isLessThan(Duration.ofSeconds(60));
            assertAppliedExactlyOnce(db, gateway.base(), messages.size());
        } finally {
            gateway.kill();
        }
    }

    @Test
    void twoGatewaysShareTheQueueAndTheSurvivorTakesOverWhenOneIsKilled(@TempDir Path dataA, @TempDir Path dataB)
            throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("two-instances");
        // A short lease, so the survivor takes the dead one's claims over within the test.
        Map<String, String> settings = Map.of("linkwell.ingest.claim-lease", "5s");
        GatewayProcess a = GatewayProcess.on(db, dataA, settings, LOGS.resolve("instance-a.log"));
        GatewayProcess b = GatewayProcess.on(db, dataB, settings, LOGS.resolve("instance-b.log"));
        List<String> messages = feed(100);
        Set<String> acknowledged = new HashSet<>();
        try {
            // One after the other: the first makes the schema.
            a.start();
            b.start();
            AtomicBoolean aAlive = new AtomicBoolean(true);
            MllpClient toA = new MllpClient(a.mllpPort());
            MllpClient toB = new MllpClient(b.mllpPort());
            for (int i = 0; i < messages.size(); i++) {
                String message = messages.get(i);
                if (aAlive.get() && i >= messages.size() / 3 && (bothApplied(db) || i >= 2 * messages.size() / 3)) {
                    // One dies mid-stream, once both have applied messages (a slow first apply on a busy machine
                    // can leave the first claims all to one of them).
                    await().atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> bothApplied(db));
                    a.kill();
                    aAlive.set(false);
                }
                String ack = null;
                if (i % 2 == 0 && aAlive.get()) {
                    ack = sendOrNull(toA, message);
                }
                if (ack == null) {
                    ack = toB.send(message); // as a sender does: the other gateway, when one does not answer
                }
                assertThat(InboundDoors.ackCode(ack)).isEqualTo("AA");
                acknowledged.add(controlId(message));
            }
            toB.close();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> count(db, "done") == acknowledged.size());
            assertThat(count(db, null)).isEqualTo(acknowledged.size());
            assertThat(distinctClaimants(db))
                    .as("both instances applied messages")
                    .hasSize(2);
            assertAppliedExactlyOnce(db, b.base(), acknowledged.size());
        } finally {
            a.kill();
            b.kill();
        }
    }

    private static String sendOrNull(MllpClient client, String message) {
        try {
            return client.send(message);
        } catch (IOException e) {
            return null;
        }
    }

    private static String controlId(String message) {
        return message.split("\r")[0].split("\\|")[9];
    }

    /** One Provenance per message and one Patient per person: nothing applied twice, nothing lost. */
    private static void assertAppliedExactlyOnce(PostgresTestDatabase.Connection db, String base, int messages)
            throws SQLException {
        String token = TestTokens.fromTokenEndpoint(
                base, GatewayInstance.ADMIN, GatewayInstance.ADMIN + GatewayInstance.SECRET_SUFFIX, null);
        IGenericClient fhir = GatewayIntegrationTest.newClient(FhirContext.forR4Cached(), base + "/fhir");
        fhir.registerInterceptor(new BearerTokenAuthInterceptor(token));
        assertThat(total(fhir, "Provenance")).isEqualTo(messages);
        assertThat(total(fhir, "Patient")).isEqualTo(messages / 2);
        assertThat(total(fhir, "Encounter")).isEqualTo(messages / 2);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT COUNT(DISTINCT PROVENANCE_ID) FROM LW_INBOUND_MESSAGE"
                                + " WHERE STATUS = 'done'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(messages);
        }
    }

    private static int total(IGenericClient fhir, String type) {
        return fhir.search()
                .byUrl(type + "?_summary=count")
                .returnBundle(Bundle.class)
                .execute()
                .getTotal();
    }

    /** Messages in a status (all messages when null). */
    private static int count(PostgresTestDatabase.Connection db, String status) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password())) {
            var statement = c.prepareStatement(
                    status == null
                            ? "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE"
                            : "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE STATUS = ?");
            if (status != null) {
                statement.setString(1, status);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the table is not there until the first gateway has made the schema
            }
            throw e;
        }
    }

    private static boolean bothApplied(PostgresTestDatabase.Connection db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT COUNT(DISTINCT CLAIMED_BY) FROM LW_INBOUND_MESSAGE"
                                + " WHERE STATUS = 'done' AND CLAIMED_BY IS NOT NULL")) {
            rs.next();
            return rs.getInt(1) >= 2;
        }
    }

    private static Set<String> distinctClaimants(PostgresTestDatabase.Connection db) throws SQLException {
        Set<String> claimants = new HashSet<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                ResultSet rs = c.createStatement()
                        .executeQuery(
                                "SELECT DISTINCT CLAIMED_BY FROM LW_INBOUND_MESSAGE WHERE CLAIMED_BY IS NOT NULL")) {
            while (rs.next()) {
                claimants.add(rs.getString(1));
            }
        }
        return claimants;
    }
}
