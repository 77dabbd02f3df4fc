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
// Metrics exported as in production (Spring Boot's tests otherwise turn exporters off): /actuator/prometheus.
@org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability(tracing = false)
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

    private static PostgresTestDatabase.Connection database;

    @LocalServerPort
    protected int port;

    @Autowired
    protected FhirContext fhirContext;

    /** The gateway's token signing key, for tokens no configured client would get (expired, odd claims). */
    @Autowired
    private com.nimbusds.jose.jwk.source.JWKSource<com.nimbusds.jose.proc.SecurityContext> signingKeys;

    private static String adminToken;
    private static int adminTokenPort;
    private static java.time.Instant adminTokenFetched = java.time.Instant.EPOCH;

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
        // Its own data folder (signing key) and the all-access test admin client behind client() and request().
        TestTokens.register(registry);
        // The demo clients on PostgreSQL, in so many words: some tests use them as the README's curl does
        // (production refuses to start with them on any database but the embedded H2).
        registry.add("linkwell.security.demo-clients-enabled", () -> "true");
        registry.add("linkwell.security.demo-clients-on-any-database", () -> "true");
        // The demo app's redirect URIs, plus the web app on the loopback IP (any port, RFC 8252): the browser test
        // opens the app at http://127.0.0.1:<random port>/app/.
        registry.add(
                "linkwell.security.demo-apps.demo-app.redirect-uris",
                () -> "http://localhost:8080/app/,http://127.0.0.1/callback,http://127.0.0.1/app/");
        // The hospital MLLP listener on a free port (not 2575, which a running gateway may hold); retries quick.
        registry.add("linkwell.hospital.mllp.port", GatewayIntegrationTest::mllpPort);
        // MLLP senders the tests use: the ADT tests' trust and the referral tests' practice from this machine,
        // and a facility allowed only from an address the tests never send from (TEST-NET-1).
        registry.add("linkwell.hospital.mllp.senders.RWELL.addresses", () -> "127.0.0.1,::1");
        registry.add("linkwell.hospital.mllp.senders.Y88001.addresses", () -> "127.0.0.0/8,::1");
        registry.add("linkwell.hospital.mllp.senders.FARAWAY.addresses", () -> "192.0.2.1");
        registry.add("linkwell.ingest.poll-interval", () -> "50ms");
        registry.add("linkwell.ingest.retry-base-delay", () -> "500ms");
        registry.add("linkwell.ingest.retry-max-delay", () -> "5s");
        // Subscriptions: one role besides admin may create them, to one endpoint prefix (the default allows none).
        registry.add("linkwell.fhir.subscriptions.roles", () -> "admin,social-care-system");
        registry.add("linkwell.fhir.subscriptions.allowed-endpoints", () -> "https://hooks.council.test/");
        // CLD batches: a limit the too-large test can exceed cheaply, above the benchmark's 100,000-row file.
        registry.add("linkwell.socialcare.batch.max-file-size", () -> "32MB");
        // Outbound exchanges: a quick sender and short backoffs; the exchange tests' webhook Endpoint and its secret.
        registry.add("linkwell.exchange.poll-interval", () -> "200ms");
        registry.add("linkwell.exchange.start-delay", () -> "0s");
        registry.add("linkwell.exchange.retry-base-delay", () -> "300ms");
        registry.add("linkwell.exchange.retry-max-delay", () -> "1s");
        registry.add("linkwell.exchange.max-attempts", () -> "4");
        registry.add("linkwell.exchange.response-timeout", () -> "3s");
        registry.add("linkwell.exchange.circuit-breaker.failure-threshold", () -> "3");
        registry.add("linkwell.exchange.circuit-breaker.open-for", () -> "4s");
        registry.add("linkwell.exchange.webhook-secrets." + EXCHANGE_TEST_HOOK, () -> EXCHANGE_TEST_HOOK_SECRET);
        registry.add(
                "linkwell.exchange.amqp-credentials." + EXCHANGE_TEST_AMQP + ".username", RabbitTestBroker::username);
        registry.add(
                "linkwell.exchange.amqp-credentials." + EXCHANGE_TEST_AMQP + ".password", RabbitTestBroker::password);
        // Outbound TLS: two SSL bundles over key material made for this JVM (TestTls), and the Endpoints that use
        // them: mutual TLS (client key and trust store), the same bundle for a receiver nobody trusts, and trust only.
        String jks = "spring.ssl.bundle.jks.";
        registry.add(jks + TestTls.MTLS_BUNDLE + ".keystore.location", () -> TestTls.get()
                .location("client.p12"));
        registry.add(jks + TestTls.MTLS_BUNDLE + ".keystore.password", () -> TestTls.get()
                .password());
        registry.add(jks + TestTls.MTLS_BUNDLE + ".keystore.type", () -> "PKCS12");
        for (String bundle : java.util.List.of(TestTls.MTLS_BUNDLE, TestTls.TRUST_ONLY_BUNDLE)) {
            registry.add(
                    jks + bundle + ".truststore.location", () -> TestTls.get().location("gateway-trust.p12"));
            registry.add(
                    jks + bundle + ".truststore.password", () -> TestTls.get().password());
            registry.add(jks + bundle + ".truststore.type", () -> "PKCS12");
        }
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_MTLS, () -> TestTls.MTLS_BUNDLE);
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_MTLS_UNTRUSTED, () -> TestTls.MTLS_BUNDLE);
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_TLS_NO_KEY, () -> TestTls.TRUST_ONLY_BUNDLE);
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_TLS_MISSING, () -> "no-such-bundle");
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_AMQPS, () -> TestTls.MTLS_BUNDLE);
        registry.add("linkwell.exchange.tls-bundles." + EXCHANGE_TEST_AMQPS_NO_KEY, () -> TestTls.TRUST_ONLY_BUNDLE);
        for (String amqps : java.util.List.of(EXCHANGE_TEST_AMQPS, EXCHANGE_TEST_AMQPS_NO_KEY)) {
            registry.add("linkwell.exchange.amqp-credentials." + amqps + ".username", RabbitTestBroker::username);
            registry.add("linkwell.exchange.amqp-credentials." + amqps + ".password", RabbitTestBroker::password);
        }
        // Case reviews: red and amber cases reviewed sooner than the yearly default, so the tests see the RAG
        // intervals.
        registry.add("linkwell.reviews.interval.red", () -> "P6M");
        registry.add("linkwell.reviews.interval.amber", () -> "P9M");
        // Caseloads: one worker (the caseload tests' client-assigned PractitionerRole) with a configured cap of 1.
        registry.add("linkwell.caseload.caps[PractitionerRole/caseload-test-config-cap]", () -> "1");
    }

    /** The id of the amqp Endpoint the exchange tests write (client-assigned); its credentials are the test broker's. */
    protected static final String EXCHANGE_TEST_AMQP = "exchange-test-amqp";

    /** Client-assigned ids of the TLS test Endpoints: mutual TLS, the same to an untrusted server, trust only. */
    protected static final String EXCHANGE_TEST_MTLS = "exchange-test-mtls";

    protected static final String EXCHANGE_TEST_MTLS_UNTRUSTED = "exchange-test-mtls-untrusted";

    protected static final String EXCHANGE_TEST_TLS_NO_KEY = "exchange-test-tls-no-key";

    /** Client-assigned ids of the amqps test Endpoints: mutual TLS, and trust only (no client certificate). */
    protected static final String EXCHANGE_TEST_AMQPS = "exchange-test-amqps";

    protected static final String EXCHANGE_TEST_AMQPS_NO_KEY = "exchange-test-amqps-no-key";

    /** An Endpoint whose configured SSL bundle does not exist. */
    protected static final String EXCHANGE_TEST_TLS_MISSING = "exchange-test-tls-missing";

    /** The id of the webhook Endpoint the exchange tests write (client-assigned), and its configured secret. */
    protected static final String EXCHANGE_TEST_HOOK = "exchange-test-hook";

    protected static final String EXCHANGE_TEST_HOOK_SECRET = "test-only-hook-secret";

    private static int mllpPort;

    /** The port of the gateway's hospital MLLP listener, chosen once per test JVM. */
    protected static synchronized int mllpPort() {
        if (mllpPort == 0) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
                mllpPort = probe.getLocalPort();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("no free port for the MLLP listener", e);
            }
        }
        return mllpPort;
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
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + adminToken());
    }

    protected static java.net.http.HttpClient http() {
        return java.net.http.HttpClient.newHttpClient();
    }

    /**
     * A FHIR request over plain HTTP, as any client sends it, so that a test sees the exact status and body: the
     * path is relative to {@code /fhir} (or a whole URL, e.g. a page link); a body is sent as FHIR JSON; headers
     * come as name, value, name, value.
     */
    protected java.net.http.HttpResponse<String> fhir(
            String token, String method, String path, String body, String... headers) {
        String url = path.startsWith("http") ? path : fhirBase() + (path.isEmpty() ? "" : "/" + path);
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(url.replace("|", "%7C")))
                .header("Authorization", "Bearer " + token)
                .method(
                        method,
                        body == null
                                ? java.net.http.HttpRequest.BodyPublishers.noBody()
                                : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header(
                    "Content-Type", method.equals("PATCH") ? "application/json-patch+json" : "application/fhir+json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return http().send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A FHIR client for the all-access test admin (role admin, {@code system/*.cruds}), its token kept fresh. */
    protected IGenericClient client() {
        IGenericClient client = newClient(fhirContext, fhirBase());
        client.registerInterceptor(new FreshBearerToken(this::adminToken));
        return client;
    }

    /** A FHIR client that sends the given bearer token. */
    protected IGenericClient clientWithToken(String token) {
        IGenericClient client = newClient(fhirContext, fhirBase());
        client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(token));
        return client;
    }

    /** A FHIR client without any token. */
    protected IGenericClient anonymousClient() {
        return newClient(fhirContext, fhirBase());
    }

    /** A FHIR client acting as any role, organisation, practitioner and scopes (token signed with the gateway's key). */
    protected IGenericClient clientAs(TestTokens.Claims claims) {
        return clientWithToken(tokenFor(claims));
    }

    protected String tokenFor(TestTokens.Claims claims) {
        return TestTokens.mint(signingKeys, claims);
    }

    /** A real token for the test admin client from {@code /oauth2/token}, fetched once per running gateway. */
    protected String adminToken() {
        synchronized (GatewayIntegrationTest.class) {
            // Tokens live 5 minutes (linkwell.security.authorization-server.token-ttl); a fresh one well before.
            if (adminToken == null
                    || adminTokenPort != port
                    || adminTokenFetched.isBefore(java.time.Instant.now().minus(TestTokens.REFETCH_AFTER))) {
                adminToken = TestTokens.fromTokenEndpoint(
                        gatewayBase(), TestTokens.ADMIN_CLIENT, TestTokens.ADMIN_SECRET, null);
                adminTokenPort = port;
                adminTokenFetched = java.time.Instant.now();
            }
            return adminToken;
        }
    }

    protected String gatewayBase() {
        return "http://localhost:" + port;
    }

    public static IGenericClient newClient(FhirContext context, String base) {
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(60_000);
        return context.newRestfulGenericClient(base);
    }
}
