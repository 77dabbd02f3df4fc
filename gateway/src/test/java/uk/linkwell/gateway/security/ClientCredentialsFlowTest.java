package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Extension;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * A standard OAuth2 client finds the token endpoint through SMART discovery, gets a client-credentials token
 * from the embedded server over HTTP and uses it with HAPI's FHIR client.
 */
class ClientCredentialsFlowTest extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The demo GP client of application.yaml. */
    private static final String DEMO_GP = "demo-gp";

    private static final String DEMO_GP_SECRET = "demo-gp-secret";

    private HttpResponse<String> tokenRequest(String tokenEndpoint, String clientId, String secret, String scope)
            throws Exception {
        String form = "grant_type=client_credentials"
                + (scope == null ? "" : "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        return http().send(
                        HttpRequest.newBuilder(URI.create(tokenEndpoint))
                                .header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString((clientId + ":" + secret)
                                                                .getBytes(StandardCharsets.UTF_8)))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private String discoveredTokenEndpoint() throws Exception {
        HttpResponse<String> discovery = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/.well-known/smart-configuration"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(discovery.statusCode()).isEqualTo(200);
        JsonNode smart = JSON.readTree(discovery.body());
        assertThat(smart.get("grant_types_supported").toString()).contains("client_credentials");
        assertThat(smart.get("capabilities").toString()).contains("permission-v2", "client-confidential-symmetric");
        assertThat(smart.get("scopes_supported").toString()).contains("system/CarePlan.rs");
        return smart.get("token_endpoint").asText();
    }

    @Test
    void aHapiClientUsesATokenFromTheEmbeddedServer() throws Exception {
        String tokenEndpoint = discoveredTokenEndpoint();
        assertThat(tokenEndpoint).isEqualTo(gatewayBase() + "/oauth2/token");
        HttpResponse<String> response = tokenRequest(tokenEndpoint, DEMO_GP, DEMO_GP_SECRET, "system/CarePlan.rs");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode token = JSON.readTree(response.body());
        assertThat(token.get("token_type").asText()).isEqualTo("Bearer");
        // linkwell.security.authorization-server.token-ttl: 5 minutes by default.
        assertThat(token.get("expires_in").asLong()).isBetween(295L, 300L);
        String accessToken = token.get("access_token").asText();

        JsonNode claims =
                JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
        assertThat(claims.get("role").asText()).isEqualTo("gp-system");
        assertThat(claims.get("org").asText()).isEqualTo("Y90001");
        assertThat(claims.get("scope").asText()).isEqualTo("system/CarePlan.rs");
        assertThat(claims.get("client_id").asText()).isEqualTo(DEMO_GP);
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(300);
        // Issued here: the fingerprint of the client's configuration, checked on every request.
        assertThat(claims.get(ConfiguredClients.FINGERPRINT_CLAIM).asText()).hasSize(22);

        IGenericClient fhir = newClient(fhirContext, fhirBase());
        fhir.registerInterceptor(new BearerTokenAuthInterceptor(accessToken));
        Bundle plans = fhir.search()
                .forResource(CarePlan.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(plans.getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
    }

    @Test
    void withoutAScopeParameterTheTokenCarriesAllTheClientsScopes() throws Exception {
        HttpResponse<String> response = tokenRequest(gatewayBase() + "/oauth2/token", DEMO_GP, DEMO_GP_SECRET, null);
        assertThat(response.statusCode()).isEqualTo(200);
        String accessToken = JSON.readTree(response.body()).get("access_token").asText();
        JsonNode claims =
                JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
        assertThat(claims.get("scope").asText()).contains("system/CarePlan.rs", "system/ServiceRequest.crs");
    }

    @Test
    void wrongSecretOrScopeIsRefusedByTheTokenEndpoint() throws Exception {
        HttpResponse<String> badSecret = tokenRequest(gatewayBase() + "/oauth2/token", DEMO_GP, "guess", null);
        assertThat(badSecret.statusCode()).isEqualTo(401);
        assertThat(badSecret.body()).contains("invalid_client");
        HttpResponse<String> tooMuch =
                tokenRequest(gatewayBase() + "/oauth2/token", DEMO_GP, DEMO_GP_SECRET, "system/*.cruds");
        assertThat(tooMuch.statusCode()).isEqualTo(400);
        assertThat(tooMuch.body()).contains("invalid_scope");
    }

    /** SMART v2 scopes are permissions: demo-gp holds system/Patient.crus, so system/Patient.rs is its to ask for. */
    @Test
    void aNarrowerFormOfAScopeTheClientHoldsIsGranted() throws Exception {
        String endpoint = gatewayBase() + "/oauth2/token";
        for (String narrower :
                List.of("system/Patient.rs", "system/Patient.read", "system/Patient.rs system/CarePlan.r")) {
            HttpResponse<String> response = tokenRequest(endpoint, DEMO_GP, DEMO_GP_SECRET, narrower);
            assertThat(response.statusCode())
                    .as(narrower + ": " + response.body())
                    .isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("scope").asText().split(" ")).containsExactlyInAnyOrder(narrower.split(" "));
            String accessToken = body.get("access_token").asText();
            JsonNode claims =
                    JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
            assertThat(claims.get("scope").asText().split(" ")).containsExactlyInAnyOrder(narrower.split(" "));
            // Narrower really is narrower: reading works, creating does not.
            assertThat(fhir(accessToken, "GET", "Patient", null).statusCode()).isEqualTo(200);
            assertThat(fhir(accessToken, "POST", "Patient", "{\"resourceType\":\"Patient\"}")
                            .statusCode())
                    .isEqualTo(403);
        }
        // A letter it does not hold, or a type it has nothing on: refused, naming the scope.
        for (String more : List.of("system/Patient.d", "system/Patient.rsd", "system/Observation.r")) {
            HttpResponse<String> refused = tokenRequest(endpoint, DEMO_GP, DEMO_GP_SECRET, more);
            assertThat(refused.statusCode()).as(more).isEqualTo(400);
            assertThat(refused.body()).contains("invalid_scope");
        }
    }

    @Test
    void capabilityStatementAdvertisesSmartOnFhirWithTheTokenEndpoint() {
        CapabilityStatement cs = anonymousClient()
                .capabilities()
                .ofType(CapabilityStatement.class)
                .execute();
        CapabilityStatement.CapabilityStatementRestSecurityComponent security =
                cs.getRestFirstRep().getSecurity();
        assertThat(security.getServiceFirstRep().getCodingFirstRep().getCode()).isEqualTo("SMART-on-FHIR");
        Extension oauth = security.getExtensionByUrl(SmartCapabilityStatement.OAUTH_URIS);
        assertThat(oauth).isNotNull();
        assertThat(oauth.getExtensionByUrl("token").getValue().primitiveValue()).endsWith("/oauth2/token");
    }
}
