package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import uk.linkwell.gateway.GatewayApplication;
import uk.linkwell.gateway.consent.PatientConsents;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * Data written through FHIR is still there after the whole application restarts on the same database, and so
 * is the token signing key: a token issued before the restart is accepted after it.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class RestartPersistenceTest {

    /** The demo admin client of application.yaml (on by default with H2; on PostgreSQL only when told so). */
    private static final String DEMO_ADMIN = "demo-admin";

    private static final String DEMO_ADMIN_SECRET = "demo-admin-secret";

    private final FhirContext fhir = FhirContext.forR4Cached();

    @Test
    void postgresKeepsDataAcrossARestart(@TempDir Path dataDir) {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("restart");
        Map<String, Object> properties = Map.of(
                "spring.datasource.url", db.jdbcUrl(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password(),
                // Its own folder for the token signing key, not the working directory's ./data.
                "linkwell.data-dir", dataDir.toString(),
                // The demo admin on PostgreSQL, in so many words.
                "linkwell.security.demo-clients-enabled", "true",
                "linkwell.security.demo-clients-on-any-database", "true");
        assertSurvivesRestart(properties);
    }

    @Test
    void embeddedH2FileKeepsDataAcrossARestart(@TempDir Path dataDir) {
        // The default configuration, as the README's run command uses it, only with its own data folder.
        assertSurvivesRestart(Map.of("linkwell.data-dir", dataDir.toString()));
        assertThat(dataDir.resolve("linkwell.mv.db"))
                .satisfies(f -> assertThat(Files.exists(f)).isTrue());
    }

    private void assertSurvivesRestart(Map<String, Object> properties) {
        String nhsNumber = SyntheticNhsNumbers.next();
        String id;
        String token;
        try (ConfigurableApplicationContext app = start(properties)) {
            token = TestTokens.fromTokenEndpoint(base(app), DEMO_ADMIN, DEMO_ADMIN_SECRET, null);
            IGenericClient client = client(app, token);
            id = client.create()
                    .resource(FhirServerTest.patient(nhsNumber))
                    .execute()
                    .getId()
                    .getIdPart();
        }
        try (ConfigurableApplicationContext app = start(properties)) {
            // The token from before the restart: the signing key was persisted, so it still verifies.
            IGenericClient client = client(app, token);
            Patient read = client.read().resource(Patient.class).withId(id).execute();
            assertThat(read.getIdentifierFirstRep().getValue()).isEqualTo(nhsNumber);
            Bundle found = client.search()
                    .byUrl("Patient?identifier=" + FhirServerTest.NHS + "|" + nhsNumber)
                    .returnBundle(Bundle.class)
                    .execute();
            assertThat(found.getTotal()).isEqualTo(1);

            // The consent engine reads a patient's Consents with its own SQL over HAPI's tables (StoreConsentLookup):
            // it must work on both databases (on H2 the stored text comes back as a CLOB).
            org.hl7.fhir.r4.model.Reference patient = new org.hl7.fhir.r4.model.Reference("Patient/" + id);
            org.hl7.fhir.r4.model.Reference recorder = new org.hl7.fhir.r4.model.Reference(client.create()
                    .resource(LinkwellFixtures.practitioner("Recorder"))
                    .execute()
                    .getId()
                    .toUnqualifiedVersionless());
            String consent = client.create()
                    .resource(LinkwellFixtures.verbalConsent(patient, recorder))
                    .execute()
                    .getId()
                    .toUnqualifiedVersionless()
                    .getValue();
            List<Consent> consents = app.getBean(PatientConsents.class).of("Patient/" + id);
            assertThat(consents).hasSize(1);
            assertThat(consents.get(0).getIdElement().toUnqualifiedVersionless().getValue())
                    .isEqualTo(consent);
            assertThat(consents.get(0).getPatient().getReference()).isEqualTo("Patient/" + id);
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> properties) {
        // Command-line arguments outrank application.yaml, as they would for a real start.
        String[] args = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(GatewayApplication.class)
                .run(java.util.stream.Stream.concat(
                                java.util.Arrays.stream(args),
                                java.util.stream.Stream.of("--server.port=0", "--linkwell.hospital.mllp.enabled=false"))
                        .toArray(String[]::new));
    }

    private IGenericClient client(ConfigurableApplicationContext app, String token) {
        IGenericClient client = GatewayIntegrationTest.newClient(fhir, base(app) + "/fhir");
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    private static String base(ConfigurableApplicationContext app) {
        return "http://localhost:"
                + ((ServletWebServerApplicationContext) app).getWebServer().getPort();
    }
}
