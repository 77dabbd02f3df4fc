package uk.linkwell.gateway.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Access tokens for tests: real ones from the gateway's {@code /oauth2/token} for the clients declared here, and
 * tokens signed with the gateway's own key (or a stranger's) for any role, organisation, scopes or lifetime.
 */
public final class TestTokens {

    /** The all-access client behind {@code client()} and {@code request(path)}. */
    public static final String ADMIN_CLIENT = "test-admin";

    public static final String ADMIN_SECRET = "test-admin-secret";
    public static final String ADMIN_SCOPES = "system/*.cruds";
    /** The age at which a cached real token is fetched again: well inside the gateway's 5-minute lifetime. */
    public static final Duration REFETCH_AFTER = Duration.ofMinutes(2);

    /**
     * People who sign in (SMART App Launch tests; the web app's browser test uses eta and theta), one per test so that a consent one remembers does not change
     * another's: username {@code lw-<name>}, practitioner {@code Practitioner/test-lw-<name>}, role
     * {@code link-worker-app}, organisation {@value #TEST_USER_ORGANISATION}, password {@value #TEST_USER_PASSWORD}.
     */
    public static final List<String> TEST_USERS =
            List.of("lw-alpha", "lw-beta", "lw-gamma", "lw-delta", "lw-epsilon", "lw-zeta", "lw-eta", "lw-theta");

    /**
     * An operator who signs in to the web app's operator page (the browser test): role {@code admin}, practitioner
     * {@code Practitioner/test-op-iota}, the test users' organisation and password.
     */
    public static final String TEST_OPERATOR = "op-iota";

    public static final String TEST_USER_PASSWORD = "test-user-password";
    public static final String TEST_USER_ORGANISATION = "Y90001";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dataDir;

    private TestTokens() {}

    /** The shared context's test clients and its own data folder (so its signing key is not ./data's). */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("linkwell.data-dir", () -> dataDir().toString());
        String client = "linkwell.security.clients." + ADMIN_CLIENT + ".";
        String hash = "{bcrypt}" + new BCryptPasswordEncoder(4).encode(ADMIN_SECRET);
        registry.add(client + "secret", () -> hash);
        registry.add(client + "role", () -> "admin");
        registry.add(client + "organisation", () -> "X26");
        registry.add(client + "scopes", () -> ADMIN_SCOPES);
        String password = "{bcrypt}" + new BCryptPasswordEncoder(4).encode(TEST_USER_PASSWORD);
        for (String username : TEST_USERS) {
            String user = "linkwell.security.users." + username + ".";
            registry.add(user + "password", () -> password);
            registry.add(user + "role", () -> "link-worker-app");
            registry.add(user + "organisation", () -> TEST_USER_ORGANISATION);
            registry.add(user + "practitioner", () -> "Practitioner/test-" + username);
        }
        String operator = "linkwell.security.users." + TEST_OPERATOR + ".";
        registry.add(operator + "password", () -> password);
        registry.add(operator + "role", () -> "admin");
        registry.add(operator + "organisation", () -> TEST_USER_ORGANISATION);
        registry.add(operator + "practitioner", () -> "Practitioner/test-" + TEST_OPERATOR);
    }

    private static synchronized Path dataDir() {
        if (dataDir == null) {
            try {
                dataDir = Files.createTempDirectory("linkwell-test-data");
                dataDir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dataDir;
    }

    /** A client-credentials token from the running gateway, as any OAuth2 client would request it. */
    public static String fromTokenEndpoint(String gatewayBase, String clientId, String secret, String scope) {
        String form = "grant_type=client_credentials"
                + (scope == null ? "" : "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayBase + "/oauth2/token"))
                .header(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try {
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "token request for " + clientId + " failed: " + response.statusCode() + " " + response.body());
            }
            JsonNode body = JSON.readTree(response.body());
            return body.get("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a minted token says about its holder. Null fields are left out of the token, except the client id, which
     * defaults to {@code minted-<role>}.
     */
    public record Claims(
            String role,
            String organisation,
            String practitioner,
            String scopes,
            Instant issuedAt,
            Duration lifetime,
            String clientId) {

        public Claims(
                String role,
                String organisation,
                String practitioner,
                String scopes,
                Instant issuedAt,
                Duration lifetime) {
            this(role, organisation, practitioner, scopes, issuedAt, lifetime, null);
        }

        public static Claims of(String role, String organisation, String scopes) {
            return new Claims(role, organisation, null, scopes, Instant.now(), Duration.ofMinutes(10));
        }

        public Claims withPractitioner(String value) {
            return new Claims(role, organisation, value, scopes, issuedAt, lifetime, clientId);
        }

        public Claims issuedAt(Instant when, Duration life) {
            return new Claims(role, organisation, practitioner, scopes, when, life, clientId);
        }

        /** Two clients of one role tell apart by their client id (e.g. whose Subscription it is). */
        public Claims withClientId(String value) {
            return new Claims(role, organisation, practitioner, scopes, issuedAt, lifetime, value);
        }

        String clientIdOrDefault() {
            return clientId != null ? clientId : "minted-" + role;
        }
    }

    /** Signs with the given key source: the gateway's own (a valid token) or {@link #strangerKey()}. */
    public static String mint(JWKSource<SecurityContext> keys, Claims claims) {
        JwtClaimsSet.Builder set = JwtClaimsSet.builder()
                .subject(claims.clientIdOrDefault())
                .issuer("http://linkwell.test")
                .id(UUID.randomUUID().toString())
                .issuedAt(claims.issuedAt())
                .notBefore(claims.issuedAt())
                .expiresAt(claims.issuedAt().plus(claims.lifetime()));
        set.claim("client_id", claims.clientIdOrDefault());
        if (claims.role() != null) {
            set.claim("role", claims.role());
        }
        if (claims.organisation() != null) {
            set.claim("org", claims.organisation());
        }
        if (claims.practitioner() != null) {
            set.claim("practitioner", claims.practitioner());
        }
        if (claims.scopes() != null) {
            set.claim("scope", claims.scopes());
        }
        return new NimbusJwtEncoder(keys)
                .encode(JwtEncoderParameters.from(
                        JwsHeader.with(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.RS256)
                                .build(),
                        set.build()))
                .getTokenValue();
    }

    /** An RSA key the gateway has never seen. */
    public static JWKSource<SecurityContext> strangerKey() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("stranger").generate();
            return new ImmutableJWKSet<>(new JWKSet(List.of(key)));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
