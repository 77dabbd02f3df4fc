package uk.linkwell.gateway.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import uk.linkwell.gateway.GatewayApplication;

/**
 * A whole gateway started in this JVM on a database of the test's choosing: a fresh PostgreSQL database, or the
 * embedded H2 default in a file under its own data folder (as the README's run command uses it). For tests that
 * need the store a user runs, more than one gateway, or settings the shared test context does not have.
 */
public final class GatewayInstance implements AutoCloseable {

    /**
     * The test clients every instance has (besides the demo clients of application.yaml, which are on only on the
     * embedded H2 database).
     */
    public static final String ADMIN = "test-admin";

    public static final String SOCIAL_CARE = "test-social-care";
    public static final String SECRET_SUFFIX = "-secret";
    /** The council of {@link #SOCIAL_CARE}. */
    public static final String COUNCIL = "999";

    private static final String ENCODED_SECRET_ADMIN =
            "{bcrypt}" + new BCryptPasswordEncoder(4).encode(ADMIN + SECRET_SUFFIX);
    private static final String ENCODED_SECRET_SOCIAL_CARE =
            "{bcrypt}" + new BCryptPasswordEncoder(4).encode(SOCIAL_CARE + SECRET_SUFFIX);

    private final ConfigurableApplicationContext context;
    private final int mllpPort;
    private final String database;
    private String adminToken;
    private java.time.Instant adminTokenFetched = java.time.Instant.EPOCH;

    private GatewayInstance(ConfigurableApplicationContext context, int mllpPort, String database) {
        this.context = context;
        this.mllpPort = mllpPort;
        this.database = database;
    }

    /** A gateway on a fresh PostgreSQL database (dropped when the test run ends). */
    public static GatewayInstance onPostgres(String purpose, Map<String, String> settings) {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase(purpose);
        return onPostgres(db, settings);
    }

    /** A gateway on an existing PostgreSQL database (another instance may share it). */
    public static GatewayInstance onPostgres(PostgresTestDatabase.Connection db, Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spring.datasource.url", db.jdbcUrl());
        all.put("spring.datasource.username", db.username());
        all.put("spring.datasource.password", db.password());
        all.putAll(settings);
        return start(all, "postgresql");
    }

    /** A gateway on the embedded H2 default, its file under a fresh data folder. */
    public static GatewayInstance onH2(Map<String, String> settings) {
        return start(new LinkedHashMap<>(settings), "h2");
    }

    /** The settings every instance starts with: test clients, quick polling and retries, a free MLLP port. */
    public static Map<String, String> baseSettings(Path dataDir, int mllpPort) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("server.port", "0");
        settings.put("linkwell.data-dir", dataDir.toString());
        settings.put("linkwell.hospital.mllp.port", String.valueOf(mllpPort));
        settings.put("linkwell.hospital.mllp.senders.RWELL.addresses", "127.0.0.1,::1");
        settings.put("linkwell.hospital.mllp.senders.Y88001.addresses", "127.0.0.0/8,::1");
        settings.put("linkwell.ingest.poll-interval", "50ms");
        settings.put("linkwell.ingest.retry-base-delay", "500ms");
        settings.put("linkwell.ingest.retry-max-delay", "5s");
        client(settings, ADMIN, ENCODED_SECRET_ADMIN, "admin", "X26", "system/*.cruds");
        client(
                settings,
                SOCIAL_CARE,
                ENCODED_SECRET_SOCIAL_CARE,
                "social-care-system",
                COUNCIL,
                "system/*.rs system/Patient.cu system/EpisodeOfCare.cu");
        return settings;
    }

    private static void client(
            Map<String, String> settings, String id, String secret, String role, String org, String scopes) {
        String prefix = "linkwell.security.clients." + id + ".";
        settings.put(prefix + "secret", secret);
        settings.put(prefix + "role", role);
        settings.put(prefix + "organisation", org);
        settings.put(prefix + "scopes", scopes.replace(' ', ','));
    }

    private static GatewayInstance start(Map<String, String> settings, String database) {
        int mllpPort = settings.containsKey("linkwell.hospital.mllp.port")
                ? Integer.parseInt(settings.get("linkwell.hospital.mllp.port"))
                : freePort();
        Map<String, String> all = baseSettings(dataDir(settings), mllpPort);
        all.putAll(settings);
        // Command-line arguments outrank application.yaml, as they would for a real start.
        String[] args = all.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class).run(args);
        return new GatewayInstance(context, mllpPort, database);
    }

    private static Path dataDir(Map<String, String> settings) {
        if (settings.containsKey("linkwell.data-dir")) {
            return Path.of(settings.get("linkwell.data-dir"));
        }
        try {
            Path dir = Files.createTempDirectory("linkwell-instance");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TCP port nothing listens on at the moment. */
    public static int freePort() {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code postgresql} or {@code h2}. */
    public String database() {
        return database;
    }

    public String base() {
        return "http://localhost:"
                + ((ServletWebServerApplicationContext) context).getWebServer().getPort();
    }

    public String fhirBase() {
        return base() + "/fhir";
    }

    public int mllpPort() {
        return mllpPort;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public JdbcTemplate jdbc() {
        return new JdbcTemplate(context.getBean(DataSource.class));
    }

    /** A real token of a client from the embedded authorization server. */
    public String token(String client) {
        return TestTokens.fromTokenEndpoint(base(), client, client + SECRET_SUFFIX, null);
    }

    /** The test admin's real token, fetched again before it expires. */
    public synchronized String adminToken() {
        if (adminToken == null
                || adminTokenFetched.isBefore(java.time.Instant.now().minus(TestTokens.REFETCH_AFTER))) {
            adminToken = token(ADMIN);
            adminTokenFetched = java.time.Instant.now();
        }
        return adminToken;
    }

    /** A FHIR client of the all-access test admin, its token kept fresh however long the client is kept. */
    public IGenericClient admin() {
        IGenericClient client = GatewayIntegrationTest.newClient(FhirContext.forR4Cached(), fhirBase());
        client.registerInterceptor(new FreshBearerToken(this::adminToken));
        return client;
    }

    public IGenericClient clientWithToken(String token) {
        IGenericClient client = GatewayIntegrationTest.newClient(FhirContext.forR4Cached(), fhirBase());
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    @Override
    public void close() {
        context.close();
    }
}
