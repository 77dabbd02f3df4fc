package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;

/**
 * A token outlives neither its client's removal nor a change of its configuration: real tokens from
 * {@code /oauth2/token}, the gateway restarted on the same database and data folder (so the same signing key, and
 * a token's signature still verifies) with its clients configured otherwise.
 */
@ExtendWith({PostgresDatabaseExtension.class, OutputCaptureExtension.class})
class TokenGroundsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEPT = "grounds-kept";
    private static final String MOVED = "grounds-moved";
    private static final String REMOVED = "grounds-removed";
    private static final String SCOPES = "system/CarePlan.rs,system/Patient.rs";
    private static final Map<String, String> HASHES = new LinkedHashMap<>();

    static {
        for (String client : new String[] {KEPT, MOVED, REMOVED}) {
            HASHES.put(
                    client, "{bcrypt}" + new BCryptPasswordEncoder(4).encode(client + GatewayInstance.SECRET_SUFFIX));
        }
    }

    private static void client(Map<String, String> settings, String id, String organisation) {
        String prefix = "linkwell.security.clients." + id + ".";
        settings.put(prefix + "secret", HASHES.get(id));
        settings.put(prefix + "role", "gp-system");
        settings.put(prefix + "organisation", organisation);
        settings.put(prefix + "scopes", SCOPES);
    }

    private static HttpResponse<String> get(GatewayInstance gateway, String path, String token) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(gateway.base() + path))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> tokenRequest(GatewayInstance gateway, String client, String secret)
            throws Exception {
        String basic = Base64.getEncoder().encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(gateway.base() + "/oauth2/token"))
                                .header("Authorization", "Basic " + basic)
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode claims(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    /** The same token with the fingerprint claim taken out, its signature left as it was. */
    private static String withoutFingerprint(String token) throws Exception {
        String[] parts = token.split("\\.");
        ObjectNode payload = (ObjectNode) claims(token);
        payload.remove(ConfiguredClients.FINGERPRINT_CLAIM);
        String edited = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(payload));
        return parts[0] + "." + edited + "." + parts[2];
    }

    @Test
    void aTokenStopsWorkingOnceItsClientIsRemovedOrMovedToAnotherOrganisation(
            @TempDir Path dataDir, CapturedOutput output) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("token_grounds");
        Map<String, String> before = new LinkedHashMap<>();
        before.put("linkwell.data-dir", dataDir.toString());
        before.put("linkwell.hospital.mllp.enabled", "false");
        client(before, KEPT, "Y90001");
        client(before, MOVED, "Y90001");
        client(before, REMOVED, "Y90001");
        String kept;
        String moved;
        String removed;
        try (GatewayInstance gateway = GatewayInstance.onPostgres(db, before)) {
            kept = gateway.token(KEPT);
            moved = gateway.token(MOVED);
            removed = gateway.token(REMOVED);
            for (String token : new String[] {kept, moved, removed}) {
                assertThat(get(gateway, "/fhir/CarePlan?_count=1", token).statusCode())
                        .isEqualTo(200);
            }
            assertThat(claims(moved).get("org").asText()).isEqualTo("Y90001");
            // Without the signing key the claim cannot be dropped to escape the check: the signature covers it.
            assertThat(get(gateway, "/fhir/CarePlan?_count=1", withoutFingerprint(moved))
                            .statusCode())
                    .isEqualTo(401);
            // On PostgreSQL the demo clients are off unless asked for in so many words.
            HttpResponse<String> demo = tokenRequest(gateway, "demo-gp", "demo-gp-secret");
            assertThat(demo.statusCode()).isEqualTo(401);
            assertThat(demo.body()).contains("invalid_client");
        }

        Map<String, String> after = new LinkedHashMap<>();
        after.put("linkwell.data-dir", dataDir.toString());
        after.put("linkwell.hospital.mllp.enabled", "false");
        client(after, KEPT, "Y90001");
        client(after, MOVED, "Y90002");
        try (GatewayInstance gateway = GatewayInstance.onPostgres(db, after)) {
            // Same signing key, same configuration: the token from before the restart still works.
            assertThat(get(gateway, "/fhir/CarePlan?_count=1", kept).statusCode())
                    .isEqualTo(200);

            HttpResponse<String> gone = get(gateway, "/fhir/CarePlan?_count=1", removed);
            assertThat(gone.statusCode()).isEqualTo(401);
            assertThat(gone.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("Bearer")
                    .contains("error=\"invalid_token\"")
                    .contains("no longer configured"));
            assertThat(gone.body()).contains("OperationOutcome").contains("removed or reconfigured");

            HttpResponse<String> elsewhere = get(gateway, "/fhir/CarePlan?_count=1", moved);
            assertThat(elsewhere.statusCode()).isEqualTo(401);
            assertThat(elsewhere.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v ->
                            assertThat(v).contains("error=\"invalid_token\"").contains("has changed since"));
            // Other doors refuse it the same way.
            assertThat(get(gateway, "/socialcare/events", moved).statusCode()).isEqualTo(401);

            // A new token carries the organisation as configured now.
            String fresh = gateway.token(MOVED);
            assertThat(claims(fresh).get("org").asText()).isEqualTo("Y90002");
            assertThat(get(gateway, "/fhir/CarePlan?_count=1", fresh).statusCode())
                    .isEqualTo(200);
        }

        // One INFO line per refusal, without a stack trace.
        String log = output.getOut();
        assertThat(log)
                .containsPattern("INFO .*Refused an access token of client " + REMOVED + ": .*no longer configured")
                .containsPattern("INFO .*Refused an access token of client " + MOVED + ": .*has changed since");
        String refusal = log.substring(log.indexOf("Refused an access token of client " + REMOVED));
        assertThat(refusal.lines().skip(1).findFirst().orElse("")).doesNotStartWith("\tat ");
        assertThat(log).doesNotContain("JwtValidationException");
    }
}
