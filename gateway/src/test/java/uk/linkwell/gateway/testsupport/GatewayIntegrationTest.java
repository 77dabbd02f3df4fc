package uk.linkwell.gateway.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import uk.linkwell.gateway.GatewayApplication;

/**
 * Base for integration tests: the whole gateway on a random port over a fresh PostgreSQL database,
 * reached through a real HAPI {@link IGenericClient} over HTTP. All subclasses share one context.
 */
@ExtendWith(PostgresDatabaseExtension.class)
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

    private static PostgresTestDatabase.Connection database;

    @LocalServerPort
    protected int port;

    @Autowired
    protected FhirContext fhirContext;

    /** Spring keeps test contexts until the JVM ends; this one must close before its database is dropped. */
    @Autowired
    void closeBeforeDatabaseDrop(org.springframework.context.ConfigurableApplicationContext context) {
        PostgresTestDatabase.server().closeBeforeDrop(context);
    }

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> database().jdbcUrl());
        registry.add("spring.datasource.username", () -> database().username());
        registry.add("spring.datasource.password", () -> database().password());
    }

    protected static synchronized PostgresTestDatabase.Connection database() {
        if (database == null) {
            database = PostgresTestDatabase.server().newDatabase("shared");
        }
        return database;
    }

    protected String fhirBase() {
        return "http://localhost:" + port + "/fhir";
    }

    /**
     * A request to any non-FHIR path of the running gateway (e.g. {@code /admin/messages}), carrying whatever
     * credentials the gateway requires; send it with {@link #http()}.
     */
    protected java.net.http.HttpRequest.Builder request(String path) {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + path));
    }

    protected static java.net.http.HttpClient http() {
        return java.net.http.HttpClient.newHttpClient();
    }

    protected IGenericClient client() {
        return newClient(fhirContext, fhirBase());
    }

    public static IGenericClient newClient(FhirContext context, String base) {
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(60_000);
        return context.newRestfulGenericClient(base);
    }
}
