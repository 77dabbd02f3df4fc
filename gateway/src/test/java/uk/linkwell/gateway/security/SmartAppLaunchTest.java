package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * SMART App Launch (standalone) against the running gateway, as a browser would go through it: the authorization
 * request, the real sign-in form and its CSRF token, the consent page, the redirect with the code, the token
 * exchange with the PKCE verifier, refresh; then the token on the FHIR API. Each test signs in as its own user
 * ({@link TestTokens#TEST_USERS}), so a consent one of them remembers changes nothing for another.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmartAppLaunchTest extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP = "demo-app";
    /** The demo app's loopback redirect URI (any port may be used with a loopback IP, RFC 8252). */
    private static final String REDIRECT = "http://127.0.0.1:8765/callback";

    private static final String CASELOAD_SCOPES = "openid fhirUser offline_access user/Patient.rs user/CareTeam.rs";

    @Test
    void aLinkWorkerSignsInAndTheTokenReadsTheirCaseloadAndNotAnothers() throws Exception {
        String user = "lw-alpha";
        IGenericClient admin = client();
        Reference me = practitioner("test-" + user);
        Reference colleague = new Reference(admin.create()
                .resource(LinkwellFixtures.practitioner("Colleague"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference mine = onCaseloadOf(admin, me);
        Reference theirs = onCaseloadOf(admin, colleague);

        Browser browser = new Browser();
        Pkce pkce = Pkce.s256();
        HttpResponse<String> callback = browser.signIn(authorize(CASELOAD_SCOPES, pkce), user, s -> true);
        Map<String, String> returned = query(location(callback));
        assertThat(returned.get("state")).isEqualTo("xyz");
        JsonNode tokens = exchange(returned.get("code"), pkce.verifier(), REDIRECT);
        assertThat(tokens.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(scopes(tokens.get("scope").asText())).containsExactlyInAnyOrder(CASELOAD_SCOPES.split(" "));

        JsonNode claims = claims(tokens.get("access_token").asText());
        assertThat(claims.get("fhirUser").asText()).isEqualTo("Practitioner/test-" + user);
        assertThat(claims.get("practitioner").asText()).isEqualTo("Practitioner/test-" + user);
        assertThat(claims.get("role").asText()).isEqualTo("link-worker-app");
        assertThat(claims.get("org").asText()).isEqualTo(TestTokens.TEST_USER_ORGANISATION);
        assertThat(claims.get("client_id").asText()).isEqualTo(APP);
        assertThat(claims.get("sub").asText()).isEqualTo(user);
        // openid was asked for: an id_token naming the same person.
        JsonNode id = claims(tokens.get("id_token").asText());
        assertThat(id.get("fhirUser").asText()).isEqualTo("Practitioner/test-" + user);
        assertThat(id.get("aud").toString()).contains(APP);

        String token = tokens.get("access_token").asText();
        // OpenID Connect's userinfo knows the same person.
        HttpResponse<String> userinfo = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/userinfo"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(userinfo.statusCode()).as(userinfo.body()).isEqualTo(200);
        assertThat(JSON.readTree(userinfo.body()).get("sub").asText()).isEqualTo(user);

        HttpResponse<String> patients = fhir(token, "GET", "Patient", null);
        assertThat(patients.statusCode()).as(patients.body()).isEqualTo(200);
        assertThat(patients.body())
                .contains(mine.getReferenceElement().getIdPart())
                .doesNotContain(theirs.getReferenceElement().getIdPart());
        assertThat(JSON.readTree(patients.body()).get("entry")).hasSize(1);
        assertThat(fhir(token, "GET", mine.getReference(), null).statusCode()).isEqualTo(200);
        assertThat(fhir(token, "GET", theirs.getReference(), null).statusCode()).isEqualTo(404);
        // The same token has no scope for writing: the person consented to reading.
        assertThat(fhir(token, "POST", "Patient", "{\"resourceType\":\"Patient\"}")
                        .statusCode())
                .isEqualTo(403);
    }

    @Test
    void theDemoLinkWorkerRefreshesAndEachRefreshTokenWorksOnce() throws Exception {
        Browser browser = new Browser();
        Pkce pkce = Pkce.s256();
        HttpResponse<String> callback =
                browser.signIn(authorize(CASELOAD_SCOPES, pkce), "demo-worker", "demo-worker-password", s -> true);
        JsonNode first = exchange(query(location(callback)).get("code"), pkce.verifier(), REDIRECT);
        assertThat(claims(first.get("access_token").asText()).get("fhirUser").asText())
                .isEqualTo("Practitioner/demo-link-worker");
        String refresh = first.get("refresh_token").asText();
        assertThat(refresh).isNotBlank();

        HttpResponse<String> refreshed =
                token(Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", APP));
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        JsonNode second = JSON.readTree(refreshed.body());
        String access = second.get("access_token").asText();
        assertThat(access).isNotEqualTo(first.get("access_token").asText());
        assertThat(claims(access).get("fhirUser").asText()).isEqualTo("Practitioner/demo-link-worker");
        assertThat(scopes(second.get("scope").asText())).containsExactlyInAnyOrder(CASELOAD_SCOPES.split(" "));
        assertThat(fhir(access, "GET", "Patient", null).statusCode()).isEqualTo(200);
        // A public client's refresh token is replaced on every use: the old one is spent.
        assertThat(second.get("refresh_token").asText()).isNotEqualTo(refresh);
        HttpResponse<String> again =
                token(Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", APP));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("invalid_grant");
        // A refresh token is bound to the app it was issued to.
        HttpResponse<String> otherApp = token(Map.of(
                "grant_type",
                "refresh_token",
                "refresh_token",
                second.get("refresh_token").asText(),
                "client_id",
                "demo-gp"));
        assertThat(otherApp.statusCode()).isIn(400, 401);
        assertThat(otherApp.body()).doesNotContain("access_token");
    }

    @Test
    void withoutOfflineAccessThereIsNoRefreshToken() throws Exception {
        Browser browser = new Browser();
        Pkce pkce = Pkce.s256();
        HttpResponse<String> callback = browser.signIn(authorize("user/Patient.rs", pkce), "lw-zeta", s -> true);
        JsonNode tokens = exchange(query(location(callback)).get("code"), pkce.verifier(), REDIRECT);
        assertThat(tokens.has("refresh_token")).isFalse();
        assertThat(tokens.has("id_token")).isFalse();
    }

    @Test
    void pkceWithS256IsRequiredAndTheCodeNeedsItsVerifier() throws Exception {
        Pkce pkce = Pkce.s256();
        // No code_challenge, or the plain method: refused before anyone signs in, back at the app with the error.
        for (String challenge : List.of("", "&code_challenge=" + pkce.verifier() + "&code_challenge_method=plain")) {
            HttpResponse<String> refused = new Browser().get(authorizeBase("user/Patient.rs", REDIRECT) + challenge);
            assertThat(refused.statusCode()).isEqualTo(302);
            assertThat(location(refused)).startsWith(REDIRECT).contains("error=invalid_request");
            assertThat(location(refused)).doesNotContain("code=");
        }

        Browser browser = new Browser();
        HttpResponse<String> callback = browser.signIn(authorize("user/Patient.rs", pkce), "lw-gamma", s -> true);
        String code = query(location(callback)).get("code");
        // The code without its verifier, or with another verifier: no token.
        HttpResponse<String> noVerifier = token(
                Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT, "client_id", APP));
        assertThat(noVerifier.statusCode()).isIn(400, 401);
        assertThat(noVerifier.body()).doesNotContain("access_token");
        HttpResponse<String> otherRedirect = token(Map.of(
                "grant_type",
                "authorization_code",
                "code",
                code,
                "redirect_uri",
                "http://127.0.0.1:8765/elsewhere",
                "client_id",
                APP,
                "code_verifier",
                pkce.verifier()));
        assertThat(otherRedirect.statusCode()).isEqualTo(400);
        assertThat(otherRedirect.body()).contains("invalid_grant").doesNotContain("access_token");
    }

    @Test
    void theCodeWithItsVerifierGivesATokenOnce() throws Exception {
        Pkce pkce = Pkce.s256();
        HttpResponse<String> callback =
                new Browser().signIn(authorize("user/Patient.rs", pkce), "lw-epsilon", s -> true);
        String code = query(location(callback)).get("code");
        HttpResponse<String> wrongVerifier = token(Map.of(
                "grant_type",
                "authorization_code",
                "code",
                code,
                "redirect_uri",
                REDIRECT,
                "client_id",
                APP,
                "code_verifier",
                Pkce.s256().verifier()));
        assertThat(wrongVerifier.statusCode()).isEqualTo(400);
        assertThat(wrongVerifier.body()).doesNotContain("access_token");
        assertThat(exchange(code, pkce.verifier(), REDIRECT).get("access_token").asText())
                .isNotBlank();
        HttpResponse<String> replayed = token(Map.of(
                "grant_type",
                "authorization_code",
                "code",
                code,
                "redirect_uri",
                REDIRECT,
                "client_id",
                APP,
                "code_verifier",
                pkce.verifier()));
        assertThat(replayed.statusCode()).isEqualTo(400);
        assertThat(replayed.body()).contains("invalid_grant");
    }

    @Test
    void anAudienceOtherThanThisServersFhirBaseIsRefused() throws Exception {
        Pkce pkce = Pkce.s256();
        String request =
                authorize("user/Patient.rs", pkce).replace(encode(fhirBase()), encode("https://ehr.example/fhir"));
        assertThat(request).contains("aud=https");
        HttpResponse<String> refused = new Browser().get(request);
        assertThat(refused.statusCode()).isEqualTo(302);
        assertThat(location(refused))
                .startsWith(REDIRECT)
                .contains("error=invalid_request")
                .doesNotContain("code=");
    }

    @Test
    void aRedirectUriNotRegisteredIsRefusedWithoutRedirecting() throws Exception {
        Pkce pkce = Pkce.s256();
        for (String redirect : List.of(
                "https://attacker.example/callback", "http://127.0.0.1:8765/elsewhere", "http://localhost:8080/app")) {
            HttpResponse<String> refused = new Browser()
                    .get(authorizeBase("user/Patient.rs", redirect) + "&code_challenge=" + pkce.challenge()
                            + "&code_challenge_method=S256");
            assertThat(refused.statusCode()).as(redirect).isEqualTo(400);
            assertThat(refused.headers().firstValue("Location")).as(redirect).isEmpty();
        }
    }

    @Test
    void scopesAreNarrowedToWhatTheAppMayHaveAndWhatThePersonAllows() throws Exception {
        Pkce pkce = Pkce.s256();
        // user/*.rs is cut to the app's own user/ scopes (read and search only); user/Patient.cruds to
        // user/Patient.rs, all the app may have; patient/ and launch scopes are not supported and are left out.
        String asked = "openid fhirUser user/*.rs user/Patient.cruds patient/*.rs launch/patient";
        List<String> offered = new ArrayList<>();
        HttpResponse<String> callback = new Browser()
                .signIn(authorize(asked, pkce), "lw-delta", TestTokens.TEST_USER_PASSWORD, scope -> {
                    offered.add(scope);
                    // The person unticks the app's access to goals.
                    return !scope.equals("user/Goal.rs");
                });
        assertThat(offered)
                .contains("fhirUser", "user/Patient.rs", "user/Goal.rs", "user/CarePlan.rs", "user/CareTeam.rs")
                .doesNotContain("user/Patient.cruds", "user/*.rs", "patient/*.rs", "launch/patient", "openid");
        JsonNode tokens = exchange(query(location(callback)).get("code"), pkce.verifier(), REDIRECT);
        Set<String> granted = scopes(tokens.get("scope").asText());
        assertThat(granted).contains("openid", "fhirUser", "user/Patient.rs", "user/CarePlan.rs");
        assertThat(granted).doesNotContain("user/Goal.rs", "user/Patient.cruds", "patient/*.rs", "offline_access");
        assertThat(scopes(
                        claims(tokens.get("access_token").asText()).get("scope").asText()))
                .isEqualTo(granted);
        String token = tokens.get("access_token").asText();
        assertThat(fhir(token, "GET", "CarePlan", null).statusCode()).isEqualTo(200);
        assertThat(fhir(token, "GET", "Goal", null).statusCode()).isEqualTo(403);

        // Nothing asked for that the app may have: refused, back at the app.
        HttpResponse<String> nothing = new Browser()
                .get(authorizeBase("patient/*.rs system/*.cruds", REDIRECT) + "&code_challenge=" + pkce.challenge()
                        + "&code_challenge_method=S256");
        assertThat(nothing.statusCode()).isEqualTo(302);
        assertThat(location(nothing)).startsWith(REDIRECT).contains("error=invalid_scope");
    }

    @Test
    void aWrongPasswordIsRefusedAndLoggedBrieflyWithoutTheUsername(CapturedOutput output) throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> toLogin = browser.get(authorize("user/Patient.rs", Pkce.s256()));
        assertThat(toLogin.statusCode()).isEqualTo(302);
        String username = "lw-beta";
        HttpResponse<String> refused = browser.submitSignIn(browser.resolve(location(toLogin)), username, "guess");
        assertThat(refused.statusCode()).isEqualTo(302);
        assertThat(location(refused)).endsWith("/login?error");
        HttpResponse<String> page = browser.get(browser.resolve(location(refused)));
        assertThat(page.body()).contains("role=\"alert\"").contains("not right");
        // Still not signed in: the authorization request goes back to the sign-in page.
        assertThat(location(browser.get(authorize("user/Patient.rs", Pkce.s256()))))
                .contains("/login");
        assertThat(output.getOut()).contains("Sign-in refused: wrong username or password");
        String refusalLines = output.getOut()
                .lines()
                .filter(l -> l.contains("Sign-in refused"))
                .collect(Collectors.joining("\n"));
        assertThat(refusalLines).doesNotContain(username);
        // One line, no exception and its stack trace.
        assertThat(output.getOut()).doesNotContain("BadCredentialsException");
    }

    @Test
    void theDiscoveryDocumentAdvertisesOnlyWhatAnswers() throws Exception {
        HttpResponse<String> response = new Browser().getJson(gatewayBase() + "/.well-known/smart-configuration");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode smart = JSON.readTree(response.body());
        assertThat(texts(smart.get("code_challenge_methods_supported"))).containsExactly("S256");
        assertThat(texts(smart.get("grant_types_supported")))
                .containsExactlyInAnyOrder("authorization_code", "client_credentials", "refresh_token");
        assertThat(texts(smart.get("response_types_supported"))).containsExactly("code");
        assertThat(texts(smart.get("capabilities")))
                .contains(
                        "launch-standalone",
                        "client-public",
                        "client-confidential-symmetric",
                        "permission-v2",
                        "permission-offline",
                        "sso-openid-connect")
                // No patient picker, no launch from an EHR.
                .doesNotContain("context-standalone-patient", "launch-ehr", "context-ehr-patient");
        assertThat(texts(smart.get("scopes_supported")))
                .contains("openid", "fhirUser", "offline_access", "user/Patient.rs", "system/CarePlan.rs");

        // Each advertised endpoint answers: the authorization endpoint (a request without parameters is a 400, not
        // a 404), the token endpoint (a grant without a client is a 401), the keys, and OpenID discovery at the issuer.
        String issuer = smart.get("issuer").asText();
        assertThat(issuer).isEqualTo(gatewayBase());
        HttpResponse<String> authorize =
                new Browser().get(smart.get("authorization_endpoint").asText());
        assertThat(authorize.statusCode()).isEqualTo(400);
        HttpResponse<String> token = http().send(
                        HttpRequest.newBuilder(
                                        URI.create(smart.get("token_endpoint").asText()))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).isEqualTo(401);
        JsonNode keys = JSON.readTree(
                new Browser().getJson(smart.get("jwks_uri").asText()).body());
        assertThat(keys.get("keys")).isNotEmpty();
        JsonNode openid = JSON.readTree(new Browser()
                .getJson(issuer + "/.well-known/openid-configuration")
                .body());
        assertThat(openid.get("issuer").asText()).isEqualTo(issuer);
        assertThat(openid.get("authorization_endpoint").asText())
                .isEqualTo(smart.get("authorization_endpoint").asText());
        assertThat(openid.get("jwks_uri").asText())
                .isEqualTo(smart.get("jwks_uri").asText());
        // OpenID discovery names the same grants and client authentication as SMART's, not every one Spring has.
        assertThat(texts(openid.get("grant_types_supported")))
                .containsExactlyInAnyOrderElementsOf(texts(smart.get("grant_types_supported")));
        assertThat(texts(openid.get("token_endpoint_auth_methods_supported")))
                .containsExactlyInAnyOrderElementsOf(texts(smart.get("token_endpoint_auth_methods_supported")));
        assertThat(openid.has("device_authorization_endpoint")).isFalse();

        // The CapabilityStatement points at the same endpoints.
        CapabilityStatement cs = anonymousClient()
                .capabilities()
                .ofType(CapabilityStatement.class)
                .execute();
        Extension oauth = cs.getRestFirstRep().getSecurity().getExtensionByUrl(SmartCapabilityStatement.OAUTH_URIS);
        assertThat(oauth.getExtensionByUrl("authorize").getValue().primitiveValue())
                .isEqualTo(smart.get("authorization_endpoint").asText());
        assertThat(oauth.getExtensionByUrl("token").getValue().primitiveValue())
                .isEqualTo(smart.get("token_endpoint").asText());
    }

    // ---- the people and records the tests read ----

    private Reference practitioner(String id) {
        Practitioner practitioner = LinkwellFixtures.practitioner("Signed-in");
        practitioner.setId("Practitioner/" + id);
        client().update().resource(practitioner).execute();
        return new Reference("Practitioner/" + id);
    }

    /** A person registered at the users' practice, on the given practitioner's care team, consenting to sharing. */
    private static Reference onCaseloadOf(IGenericClient admin, Reference practitioner) {
        Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        Reference patient =
                new Reference(admin.create().resource(person).execute().getId().toUnqualifiedVersionless());
        GpPracticeScopingTest.consentsToSharing(admin, patient.getReference(), practitioner);
        CareTeam team = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(patient)
                .setName("Link worker care team");
        team.addParticipant().setMember(practitioner);
        admin.create().resource(team).execute();
        return patient;
    }

    // ---- the OAuth side, as an app would do it ----

    private String authorizeBase(String scope, String redirect) {
        return gatewayBase() + "/oauth2/authorize?response_type=code&client_id=" + APP + "&redirect_uri="
                + encode(redirect) + "&scope=" + encode(scope) + "&state=xyz&aud=" + encode(fhirBase());
    }

    private String authorize(String scope, Pkce pkce) {
        return authorizeBase(scope, REDIRECT) + "&code_challenge=" + pkce.challenge() + "&code_challenge_method=S256";
    }

    private JsonNode exchange(String code, String verifier, String redirect) throws Exception {
        HttpResponse<String> response = token(Map.of(
                "grant_type",
                "authorization_code",
                "code",
                code,
                "redirect_uri",
                redirect,
                "client_id",
                APP,
                "code_verifier",
                verifier));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> token(Map<String, String> form) throws Exception {
        return http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/oauth2/token"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form(form)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static JsonNode claims(String jwt) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private static Set<String> scopes(String scope) {
        return Set.of(scope.trim().split(" "));
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String location(HttpResponse<String> response) {
        return response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new AssertionError("no redirect: " + response.statusCode() + " " + response.body()));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> values = new LinkedHashMap<>();
        String query = URI.create(url).getRawQuery();
        for (String pair : query == null ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            values.put(
                    URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return values;
    }

    /** A PKCE verifier and its S256 challenge (RFC 7636). */
    private record Pkce(String verifier, String challenge) {
        static Pkce s256() throws Exception {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
        }
    }

    /** A browser: keeps its cookies (the sign-in session), follows nothing by itself, sends what a form sends. */
    private final class Browser {

        private final HttpClient client = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();

        HttpResponse<String> get(String url) throws Exception {
            return client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Accept", "text/html,application/xhtml+xml")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> getJson(String url) throws Exception {
            return client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Accept", "application/json")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String url, Map<String, List<String>> fields) throws Exception {
            String body = fields.entrySet().stream()
                    .flatMap(e -> e.getValue().stream().map(v -> encode(e.getKey()) + "=" + encode(v)))
                    .collect(Collectors.joining("&"));
            return client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("Accept", "text/html")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        String resolve(String location) {
            return URI.create(gatewayBase() + "/").resolve(location).toString();
        }

        /** Fills in the sign-in page at {@code loginUrl} as a person would, and posts it. */
        HttpResponse<String> submitSignIn(String loginUrl, String username, String password) throws Exception {
            HttpResponse<String> page = get(loginUrl);
            assertThat(page.statusCode()).isEqualTo(200);
            // Labelled fields.
            assertThat(page.body())
                    .contains("<label for=\"username\">Username</label>")
                    .contains("<label for=\"password\">Password</label>");
            String csrf = field(page.body(), "_csrf");
            return post(
                    resolve("/login"),
                    Map.of("username", List.of(username), "password", List.of(password), "_csrf", List.of(csrf)));
        }

        HttpResponse<String> signIn(String authorizeUrl, String username, Predicate<String> allows) throws Exception {
            return signIn(authorizeUrl, username, TestTokens.TEST_USER_PASSWORD, allows);
        }

        /**
         * From the authorization request to the redirect back to the app: sign-in page, back to the request, the
         * consent page (ticking what {@code allows} says yes to), and the redirect with the code.
         */
        HttpResponse<String> signIn(String authorizeUrl, String username, String password, Predicate<String> allows)
                throws Exception {
            HttpResponse<String> toLogin = get(authorizeUrl);
            assertThat(toLogin.statusCode()).as(toLogin.body()).isEqualTo(302);
            assertThat(location(toLogin)).contains("/login");
            HttpResponse<String> signedIn = submitSignIn(resolve(location(toLogin)), username, password);
            assertThat(signedIn.statusCode()).isEqualTo(302);
            assertThat(location(signedIn)).doesNotContain("error").contains("/oauth2/authorize");
            HttpResponse<String> toConsent = get(resolve(location(signedIn)));
            assertThat(toConsent.statusCode()).as(toConsent.body()).isEqualTo(302);
            assertThat(location(toConsent)).contains("/oauth2/consent");
            HttpResponse<String> consent = get(resolve(location(toConsent)));
            assertThat(consent.statusCode()).isEqualTo(200);
            List<String> chosen = new ArrayList<>();
            Matcher box = Pattern.compile("<input type=\"checkbox\" name=\"scope\" value=\"([^\"]+)\"")
                    .matcher(consent.body());
            while (box.find()) {
                String scope = box.group(1);
                if (allows.test(scope)) {
                    chosen.add(scope);
                }
            }
            Map<String, List<String>> answer = new LinkedHashMap<>();
            answer.put("client_id", List.of(field(consent.body(), "client_id")));
            answer.put("state", List.of(field(consent.body(), "state")));
            answer.put("scope", chosen);
            HttpResponse<String> back = post(resolve("/oauth2/authorize"), answer);
            assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
            assertThat(location(back)).startsWith(REDIRECT).contains("code=");
            return back;
        }

        private static String field(String html, String name) {
            Matcher m = Pattern.compile("name=\"" + Pattern.quote(name) + "\" value=\"([^\"]*)\"")
                    .matcher(html);
            assertThat(m.find()).as("hidden field " + name).isTrue();
            return m.group(1);
        }
    }
}
