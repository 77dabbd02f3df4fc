package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import uk.linkwell.gateway.GatewayApplication;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The gateway with the embedded authorization server off, trusting a provider whose keys a real HTTP server here
 * serves, Keycloak-style: the role among {@code realm_access.roles}, the organisation in {@code ods_code}, the
 * practitioner in SMART's {@code fhirUser} as a full URL.
 */
@ExtendWith(PostgresDatabaseExtension.class)
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ExternalProviderClaimsTest {

    private static RSAKey key;
    private static HttpServer provider;
    private static final AtomicInteger jwksFetches = new AtomicInteger();

    @LocalServerPort
    int port;

    @Autowired
    FhirContext fhirContext;

    @Autowired
    void closeBeforeDatabaseDrop(ConfigurableApplicationContext context) {
        PostgresTestDatabase.server().closeBeforeDrop(context);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        startProvider();
        PostgresTestDatabase.Connection database = PostgresTestDatabase.server().newDatabase("external-provider");
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::username);
        registry.add("spring.datasource.password", database::password);
        registry.add("linkwell.data-dir", () -> tempDir());
        registry.add("linkwell.hospital.mllp.port", ExternalProviderClaimsTest::freePort);
        registry.add("linkwell.security.authorization-server.enabled", () -> "false");
        registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", ExternalProviderClaimsTest::issuer);
        registry.add(
                "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                () -> issuer() + "/protocol/openid-connect/certs");
        registry.add("linkwell.security.external-claims.role", () -> "realm_access.roles");
        registry.add("linkwell.security.external-claims.org", () -> "ods_code");
    }

    private static synchronized void startProvider() throws IOException, JOSEException {
        if (provider != null) {
            return;
        }
        key = new RSAKeyGenerator(2048).keyID("provider-" + UUID.randomUUID()).generate();
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        provider.createContext("/realms/linkwell/protocol/openid-connect/certs", exchange -> {
            jwksFetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        provider.start();
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) {
            provider.stop(0);
            provider = null;
        }
    }

    private static String issuer() {
        return "http://127.0.0.1:" + provider.getAddress().getPort() + "/realms/linkwell";
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("linkwell-external-provider").toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token as the provider would sign it; {@code claims} are the provider's own names. */
    private static String token(Map<String, Object> claims) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet.Builder set = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .subject(UUID.randomUUID().toString())
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .claim("azp", "link-worker-spa");
        claims.forEach(set::claim);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), set.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private IGenericClient client(String token) {
        IGenericClient client = GatewayIntegrationTest.newClient(fhirContext, "http://localhost:" + port + "/fhir");
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    private static Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private static Patient registered(Reference practice) {
        Patient p = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        p.addGeneralPractitioner(practice);
        return p;
    }

    private static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    @Test
    void aProviderTokenReachesExactlyTheMappedPractitionersCaseload() throws JOSEException {
        IGenericClient admin = client(token(Map.of(
                "realm_access", Map.of("roles", List.of("offline_access", "admin")),
                "ods_code", "X26",
                "scope", "system/*.cruds")));
        String ods = "E" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference practice = create(admin, LinkwellFixtures.organisation(ods, "Practice using its own provider"));
        Reference worker = create(admin, LinkwellFixtures.practitioner("Provider signed-in worker"));
        Reference colleague = create(admin, LinkwellFixtures.practitioner("Colleague"));
        Reference onCaseload = create(admin, registered(practice));
        Reference someoneElse = create(admin, registered(practice));
        GpPracticeScopingTest.consentsToSharing(admin, onCaseload.getReference(), worker);
        GpPracticeScopingTest.consentsToSharing(admin, someoneElse.getReference(), worker);
        create(admin, careTeam(onCaseload, worker));
        create(admin, careTeam(someoneElse, colleague));

        String fhirUser = "http://localhost:" + port + "/fhir/" + worker.getReference();
        IGenericClient app = client(token(Map.of(
                "realm_access",
                Map.of("roles", List.of("offline_access", "uma_authorization", "link-worker-app")),
                "ods_code",
                ods,
                "fhirUser",
                fhirUser,
                "scope",
                "openid fhirUser user/Patient.rs user/CareTeam.rs")));
        Bundle patients = app.search()
                .forResource(Patient.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(patients)).containsExactly(onCaseload.getReference());
        assertThat(jwksFetches.get()).isPositive();
    }

    @Test
    void aProviderTokenWithoutAMappedRoleIsRefusedEvenIfItCallsItselfAdmin() throws JOSEException {
        IGenericClient noRole = client(token(Map.of(
                "realm_access", Map.of("roles", List.of("offline_access", "uma_authorization")),
                // The provider's own claim under Linkwell's name: not trusted, only the mapped one counts.
                "role", "admin",
                "ods_code", "X26",
                "scope", "system/*.cruds")));
        assertThatThrownBy(() -> noRole.search()
                        .forResource(Patient.class)
                        .returnBundle(Bundle.class)
                        .execute())
                .isInstanceOf(AuthenticationException.class);
    }

    private static CareTeam careTeam(Reference subject, Reference member) {
        CareTeam team = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(subject)
                .setName("Link worker care team");
        team.addParticipant().setMember(member);
        return team;
    }
}
