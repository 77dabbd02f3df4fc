package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;

/**
 * Failures while applying: the database refusing writes is retried with backoff and the message lands once it
 * is back; after max attempts it is parked as failed and reprocessing lands it; content errors are not retried.
 */
class IngestRetryTest extends HospitalIngestTestBase {

    @AfterEach
    void databaseBack() throws Exception {
        admin("DROP TRIGGER IF EXISTS lw_test_outage ON hfj_resource");
    }

    /** Every write to HAPI's resource table fails, as when the database refuses writes. */
    private void databaseOutage() throws Exception {
        admin(
                """
                CREATE OR REPLACE FUNCTION lw_test_outage() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'simulated outage' USING ERRCODE = '55P03'; END $$ LANGUAGE plpgsql""");
        admin("CREATE TRIGGER lw_test_outage BEFORE INSERT OR UPDATE ON hfj_resource"
                + " FOR EACH STATEMENT EXECUTE FUNCTION lw_test_outage()");
    }

    private static void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        database().jdbcUrl(), database().username(), database().password());
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void aMessageThatFailsWhileTheDatabaseIsDownIsRetriedAndLandsWhenItIsBack() throws Exception {
        databaseOutage();
        Visit visit = Visit.fresh();
        String id = AdtMessages.controlId();
        // Receiving only writes the store's own table: the sender still gets AA.
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(visit, id)))).isEqualTo("AA");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    Map<String, Object> row = row(id);
                    return ((Number) row.get("ATTEMPTS")).intValue() >= 2 && "received".equals(row.get("STATUS"));
                });
        Map<String, Object> waiting = row(id);
        // A lock not had in time (55P03, as PostgreSQL's lock_timeout raises it) is worth another attempt.
        assertThat((String) waiting.get("LAST_ERROR"))
                .isEqualTo("the database was busy or unavailable (PSQLException)");

        databaseBack();
        Map<String, Object> done = awaitStatus(id, "done");
        assertThat((String) done.get("RESOURCE_IDS")).contains("Patient/");
        assertThat(done.get("LAST_ERROR")).isNull();
        assertThat(search("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + visit.nhsNumber())
                        .getEntry())
                .hasSize(1);
    }

    @Test
    void afterMaxAttemptsItIsParkedAsFailedAndReprocessingLandsIt() throws Exception {
        databaseOutage();
        Visit visit = Visit.fresh();
        String id = AdtMessages.controlId();
        send(AdtMessages.admit(visit, id));
        Map<String, Object> failed = awaitStatus(id, "failed");
        assertThat(((Number) failed.get("ATTEMPTS")).intValue()).isEqualTo(5);
        assertThat((String) failed.get("LAST_ERROR")).startsWith("gave up after 5 attempts");

        databaseBack();
        HttpResponse<String> response = http().send(
                        request("/admin/messages/" + failed.get("ID") + "/reprocess")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        Map<String, Object> done = awaitStatus(id, "done");
        assertThat(((Number) done.get("ATTEMPTS")).intValue()).isEqualTo(1);
    }

    @Test
    void aMessageThatCannotMatchOnePatientIsParkedAtOnceNotRetried() throws Exception {
        // Two records with one NHS number: the conditional update is ambiguous (HTTP 412), retrying cannot help.
        Visit visit = Visit.fresh();
        client().create().resource(LinkwellFixtures.patient(visit.nhsNumber())).execute();
        client().create().resource(LinkwellFixtures.patient(visit.nhsNumber())).execute();
        String id = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(visit, id)))).isEqualTo("AA");
        Map<String, Object> failed = awaitStatus(id, "failed");
        assertThat(((Number) failed.get("ATTEMPTS")).intValue()).isEqualTo(1);
        assertThat((String) failed.get("LAST_ERROR"))
                .startsWith("PID-3: it names a record the store holds more than once")
                .doesNotContain(visit.nhsNumber());
    }
}
