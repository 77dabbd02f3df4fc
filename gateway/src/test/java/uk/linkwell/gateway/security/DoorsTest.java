package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/** Every door wants a valid bearer token; the open ones stay open; errors say why in the door's own format. */
class DoorsTest extends GatewayIntegrationTest {

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayBase() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noTokenOnFhirIs401WithAnOperationOutcome() throws Exception {
        HttpResponse<String> response = get("/fhir/Patient", null);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/fhir+json"));
        assertThat(response.body())
                .contains("\"resourceType\":\"OperationOutcome\"")
                .contains("\"code\":\"login\"");
    }

    @Test
    void noTokenOnOtherDoorsIs401WithProblemJson() throws Exception {
        for (String path : new String[] {"/admin/messages", "/socialcare/events", "/anything-else"}) {
            HttpResponse<String> response = get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            assertThat(response.body()).contains("\"status\":401").contains("\"instance\":\"" + path + "\"");
        }
    }

    @Test
    void expiredTokenIs401() throws Exception {
        String expired = tokenFor(Claims.of("admin", "X26", "system/*.cruds")
                .issuedAt(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1)));
        HttpResponse<String> response = get("/fhir/Patient", expired);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(response.body()).contains("OperationOutcome").doesNotContain(expired);
    }

    @Test
    void aTokenThirtyOneSecondsPastItsExpiryIsRefusedWithinThirtyItIsNot() throws Exception {
        // Spring's default skew would honour it for a minute; linkwell.security.clock-skew is 30 s at most.
        Instant now = Instant.now();
        String late = tokenFor(Claims.of("admin", "X26", "system/*.cruds")
                .issuedAt(now.minus(Duration.ofMinutes(5)).minusSeconds(31), Duration.ofMinutes(5)));
        HttpResponse<String> refused = get("/fhir/Patient?_count=1", late);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).contains("invalid_token").contains("expired"));

        String lateButWithinSkew = tokenFor(Claims.of("admin", "X26", "system/*.cruds")
                .issuedAt(now.minus(Duration.ofMinutes(5)).minusSeconds(10), Duration.ofMinutes(5)));
        assertThat(get("/fhir/Patient?_count=1", lateButWithinSkew).statusCode())
                .isEqualTo(200);
    }

    @Test
    void tokenSignedByAnotherKeyIs401() throws Exception {
        String forged = TestTokens.mint(TestTokens.strangerKey(), Claims.of("admin", "X26", "system/*.cruds"));
        assertThat(get("/fhir/Patient", forged).statusCode()).isEqualTo(401);
        assertThat(get("/admin/messages", forged).statusCode()).isEqualTo(401);
    }

    @Test
    void tokenWithoutALinkwellRoleIs401() throws Exception {
        assertThat(get("/fhir/Patient", tokenFor(Claims.of(null, "X26", "system/*.cruds")))
                        .statusCode())
                .isEqualTo(401);
        assertThat(get("/fhir/Patient", tokenFor(Claims.of("superuser", "X26", "system/*.cruds")))
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void validTokenWithoutTheScopeIs403WithAnOperationOutcome() throws Exception {
        String goalsOnly = tokenFor(Claims.of("admin", "X26", "system/Goal.rs"));
        HttpResponse<String> response = get("/fhir/CarePlan", goalsOnly);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body())
                .contains("\"resourceType\": \"OperationOutcome\"")
                .contains("system/CarePlan.s");
        assertThat(get("/fhir/Goal", goalsOnly).statusCode()).isEqualTo(200);
    }

    @Test
    void theRightScopeIs200() throws Exception {
        HttpResponse<String> response =
                get("/fhir/CarePlan?_count=1", tokenFor(Claims.of("admin", "X26", "system/CarePlan.rs")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"resourceType\": \"Bundle\"");
    }

    @Test
    void readScopeDoesNotGrantSearchNorSearchRead() throws Exception {
        String readOnly = tokenFor(Claims.of("admin", "X26", "system/Patient.r"));
        assertThat(get("/fhir/Patient", readOnly).statusCode()).isEqualTo(403);
        String searchOnly = tokenFor(Claims.of("admin", "X26", "system/Patient.s"));
        assertThat(get("/fhir/Patient?_count=1", searchOnly).statusCode()).isEqualTo(200);
        assertThat(get("/fhir/Patient/does-not-matter", searchOnly).statusCode())
                .isEqualTo(403);
    }

    @Test
    void smartV1ScopesAreUnderstood() throws Exception {
        assertThat(get("/fhir/CarePlan?_count=1", tokenFor(Claims.of("admin", "X26", "user/CarePlan.read")))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void metadataHealthAndSmartDiscoveryAreOpen() throws Exception {
        assertThat(get("/fhir/metadata", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(get("/.well-known/smart-configuration", null).statusCode()).isEqualTo(200);
    }

    @Test
    void adminDoorsNeedTheAdminRole() throws Exception {
        String gp = tokenFor(Claims.of("gp-system", "X26GP1", "system/*.cruds"));
        HttpResponse<String> refused = get("/admin/messages", gp);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(refused.body()).contains("\"status\":403");
        assertThat(get("/admin/messages", adminToken()).statusCode()).isNotIn(401, 403);
        assertThat(get("/admin/deliveries", gp).statusCode()).isEqualTo(403);
    }

    @Test
    void serverWideOperationsAreForAdminsOnly() throws Exception {
        String gp = tokenFor(Claims.of("gp-system", "X26GP1", "system/*.cruds"));
        assertThat(get("/fhir/$meta", gp).statusCode()).isEqualTo(403);
        assertThat(get("/fhir/_history", gp).statusCode()).isEqualTo(403);
    }
}
