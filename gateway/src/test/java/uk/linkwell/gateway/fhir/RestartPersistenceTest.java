package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import uk.linkwell.gateway.GatewayApplication;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/** Data written through FHIR is still there after the whole application restarts on the same database. */
@ExtendWith(PostgresDatabaseExtension.class)
class RestartPersistenceTest {

    private final FhirContext fhir = FhirContext.forR4Cached();

    @Test
    void postgresKeepsDataAcrossARestart() {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("restart");
        Map<String, Object> properties = Map.of(
                "spring.datasource.url", db.jdbcUrl(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password());
        assertSurvivesRestart(properties);
    }

    @Test
    void embeddedH2FileKeepsDataAcrossARestart(@TempDir Path dataDir) {
        // The default configuration, as the README's run command uses it, only with its own data folder.
        assertSurvivesRestart(Map.of("linkwell.data-dir", dataDir.toString()));
        assertThat(dataDir.resolve("linkwell.mv.db")).satisfies(f -> assertThat(Files.exists(f)).isTrue());
    }

    private void assertSurvivesRestart(Map<String, Object> properties) {
        String nhsNumber = SyntheticNhsNumbers.next();
        String id;
        try (ConfigurableApplicationContext app = start(properties)) {
            IGenericClient client = client(app);
            id = client.create().resource(FhirServerTest.patient(nhsNumber)).execute().getId().getIdPart();
        }
        try (ConfigurableApplicationContext app = start(properties)) {
            IGenericClient client = client(app);
            Patient read = client.read().resource(Patient.class).withId(id).execute();
            assertThat(read.getIdentifierFirstRep().getValue()).isEqualTo(nhsNumber);
            Bundle found = client.search().byUrl("Patient?identifier=" + FhirServerTest.NHS + "|" + nhsNumber)
                    .returnBundle(Bundle.class).execute();
            assertThat(found.getTotal()).isEqualTo(1);
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> properties) {
        // Command-line arguments outrank application.yaml, as they would for a real start.
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(GatewayApplication.class)
                .run(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                        "--server.port=0")).toArray(String[]::new));
    }

    private IGenericClient client(ConfigurableApplicationContext app) {
        int port = ((ServletWebServerApplicationContext) app).getWebServer().getPort();
        return GatewayIntegrationTest.newClient(fhir, "http://localhost:" + port + "/fhir");
    }
}
