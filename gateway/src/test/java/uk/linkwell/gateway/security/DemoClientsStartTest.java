package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;

/**
 * Whole starts: demo clients (published secrets) work on the embedded H2 default as the README tour uses them; on
 * PostgreSQL, turned on without the explicit override, the gateway does not start and says how to proceed.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class DemoClientsStartTest {

    private static int carePlans(GatewayInstance gateway, String token) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(gateway.fhirBase() + "/CarePlan?_count=1"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void onTheEmbeddedH2DefaultTheDemoClientsWork() throws Exception {
        try (GatewayInstance gateway = GatewayInstance.onH2(Map.of("linkwell.hospital.mllp.enabled", "false"))) {
            assertThat(carePlans(gateway, gateway.token("demo-gp"))).isEqualTo(200);
        }
    }

    @Test
    void onPostgresDemoClientsTurnedOnWithoutTheOverrideStopTheStartBeforeTouchingTheDatabase() throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("demo_refused");
        Throwable failure = catchThrowable(() -> GatewayInstance.onPostgres(
                        db,
                        Map.of(
                                "linkwell.security.demo-clients-enabled", "true",
                                "linkwell.hospital.mllp.enabled", "false"))
                .close());
        assertThat(failure).isNotNull();
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertThat(cause)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Refusing to start")
                .hasMessageContaining("LINKWELL_DEMO_CLIENTS=false")
                .hasMessageContaining("linkwell.security.demo-clients-on-any-database=true");
        // Refused before HAPI made its schema: the database is as it was.
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                ResultSet tables = c.createStatement()
                        .executeQuery("select count(*) from information_schema.tables where table_schema = 'public'")) {
            tables.next();
            assertThat(tables.getInt(1)).isZero();
        }
    }

    @Test
    void onPostgresWithTheOverrideInSoManyWordsTheDemoClientsWork() throws Exception {
        try (GatewayInstance gateway = GatewayInstance.onPostgres(
                "demo_override",
                Map.of(
                        "linkwell.security.demo-clients-enabled", "true",
                        "linkwell.security.demo-clients-on-any-database", "true",
                        "linkwell.hospital.mllp.enabled", "false"))) {
            assertThat(carePlans(gateway, gateway.token("demo-gp"))).isEqualTo(200);
        }
    }
}
