package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/** A token issued here is honoured only while its client is configured as it was when the token was issued. */
class IssuedClientCheckTest {

    private static final SecurityProperties.Client GP = new SecurityProperties.Client(
            "{bcrypt}$2a$04$abcdefghijklmnopqrstuu", "gp-system", "Y90001", List.of("system/CarePlan.rs"), null);

    private static Jwt token(Map<String, Object> claims) {
        Jwt.Builder jwt = Jwt.withTokenValue("t")
                .header("alg", "RS256")
                .issuedAt(Instant.now())
                .expiresAt(Instant.now().plusSeconds(300));
        claims.forEach(jwt::claim);
        return jwt.build();
    }

    private static Jwt issuedTo(String clientId, SecurityProperties.Client client) {
        return token(Map.of(
                "client_id",
                clientId,
                "role",
                client.role(),
                "org",
                client.organisation(),
                ConfiguredClients.FINGERPRINT_CLAIM,
                ConfiguredClients.fingerprint(clientId, client)));
    }

    private static OAuth2TokenValidatorResult check(Map<String, SecurityProperties.Client> configured, Jwt jwt) {
        return new IssuedClientCheck(new ConfiguredClients(configured, false)).validate(jwt);
    }

    private static String description(OAuth2TokenValidatorResult result) {
        return result.getErrors().stream()
                .map(OAuth2Error::getDescription)
                .findFirst()
                .orElse("");
    }

    @Test
    void aTokenOfTheClientAsConfiguredPasses() {
        assertThat(check(Map.of("gp", GP), issuedTo("gp", GP)).hasErrors()).isFalse();
    }

    @Test
    void aTokenOfARemovedClientIsRefused() {
        OAuth2TokenValidatorResult result = check(Map.of("other", GP), issuedTo("gp", GP));
        assertThat(result.hasErrors()).isTrue();
        assertThat(result.getErrors()).extracting(OAuth2Error::getErrorCode).containsExactly("invalid_token");
        assertThat(description(result)).contains("no longer configured");
    }

    @Test
    void aTokenOfAClientConfiguredOtherwiseSinceIsRefused() {
        Jwt token = issuedTo("gp", GP);
        for (SecurityProperties.Client changed : List.of(
                new SecurityProperties.Client(GP.secret(), GP.role(), "Y90002", GP.scopes(), null),
                new SecurityProperties.Client(GP.secret(), "admin", GP.organisation(), GP.scopes(), null),
                new SecurityProperties.Client(GP.secret(), GP.role(), GP.organisation(), List.of("system/*.rs"), null),
                new SecurityProperties.Client(GP.secret(), GP.role(), GP.organisation(), GP.scopes(), "Practitioner/1"),
                new SecurityProperties.Client(
                        "{bcrypt}$2a$04$zyxwvutsrqponmlkjihgff", GP.role(), GP.organisation(), GP.scopes(), null))) {
            OAuth2TokenValidatorResult result = check(Map.of("gp", changed), token);
            assertThat(result.hasErrors()).as(changed.toString()).isTrue();
            assertThat(description(result)).contains("has changed since");
        }
    }

    @Test
    void reorderingTheScopesChangesNothing() {
        SecurityProperties.Client two = new SecurityProperties.Client(
                GP.secret(), GP.role(), GP.organisation(), List.of("system/Goal.rs", "system/CarePlan.rs"), null);
        SecurityProperties.Client reordered = new SecurityProperties.Client(
                GP.secret(), GP.role(), GP.organisation(), List.of("system/CarePlan.rs", "system/Goal.rs"), null);
        assertThat(check(Map.of("gp", reordered), issuedTo("gp", two)).hasErrors())
                .isFalse();
    }

    @Test
    void theSameConfigurationUnderAnotherClientIdDoesNotMatch() {
        Jwt token = token(Map.of(
                "client_id",
                "gp-b",
                "role",
                "gp-system",
                ConfiguredClients.FINGERPRINT_CLAIM,
                ConfiguredClients.fingerprint("gp-a", GP)));
        assertThat(check(Map.of("gp-a", GP, "gp-b", GP), token).hasErrors()).isTrue();
    }

    @Test
    void aTokenWithoutTheClaimWasNotIssuedHereAndIsLeftToTheOtherChecks() {
        // Only a holder of the signing key can make one (the tests' minted tokens); the signature covers the claim.
        Jwt minted = token(Map.of("client_id", "minted-admin", "role", "admin"));
        assertThat(check(Map.of("gp", GP), minted).hasErrors()).isFalse();
    }

    private static final SecurityProperties.App APP =
            new SecurityProperties.App(List.of("http://127.0.0.1/callback"), List.of("openid", "user/Patient.rs"));
    private static final SecurityProperties.User WORKER = new SecurityProperties.User(
            "{bcrypt}$2a$04$abcdefghijklmnopqrstuu", "link-worker-app", "Y90001", "Practitioner/lw-1");

    private static Jwt signedIn(String username, SecurityProperties.User user) {
        return token(Map.of(
                "sub",
                username,
                "client_id",
                "app",
                "role",
                user.role(),
                ConfiguredClients.FINGERPRINT_CLAIM,
                ConfiguredClients.fingerprint("app", APP),
                ConfiguredUsers.FINGERPRINT_CLAIM,
                ConfiguredUsers.fingerprint(username, user)));
    }

    private static OAuth2TokenValidatorResult checkUser(Map<String, SecurityProperties.User> users, Jwt jwt) {
        return new IssuedClientCheck(
                        new ConfiguredClients(Map.of(), Map.of("app", APP), false), new ConfiguredUsers(users))
                .validate(jwt);
    }

    @Test
    void aSignedInUsersTokenPassesWhileTheUserIsConfiguredAsTheyWere() {
        assertThat(checkUser(Map.of("jo", WORKER), signedIn("jo", WORKER)).hasErrors())
                .isFalse();
    }

    @Test
    void aSignedInUsersTokenEndsWhenTheUserIsRemoved() {
        OAuth2TokenValidatorResult result = checkUser(Map.of("sam", WORKER), signedIn("jo", WORKER));
        assertThat(result.getErrors()).extracting(OAuth2Error::getErrorCode).containsExactly("invalid_token");
        assertThat(description(result)).contains("user this token was issued to is no longer configured");
    }

    @Test
    void aSignedInUsersTokenEndsWhenTheirClaimsOrPasswordChange() {
        Jwt token = signedIn("jo", WORKER);
        for (SecurityProperties.User changed : List.of(
                new SecurityProperties.User(WORKER.password(), "admin", WORKER.organisation(), WORKER.practitioner()),
                new SecurityProperties.User(WORKER.password(), WORKER.role(), WORKER.organisation(), "Practitioner/2"),
                new SecurityProperties.User(WORKER.password(), WORKER.role(), "Y90002", WORKER.practitioner()),
                new SecurityProperties.User(
                        "{bcrypt}$2a$04$zyxwvutsrqponmlkjihgff",
                        WORKER.role(),
                        WORKER.organisation(),
                        WORKER.practitioner()))) {
            OAuth2TokenValidatorResult result = checkUser(Map.of("jo", changed), token);
            assertThat(result.hasErrors()).as(changed.toString()).isTrue();
            assertThat(description(result)).contains("configured otherwise since");
        }
    }

    @Test
    void aSignedInUsersTokenEndsWhenTheirAppIsRemovedOrChanged() {
        Jwt token = signedIn("jo", WORKER);
        OAuth2TokenValidatorResult removed = new IssuedClientCheck(
                        new ConfiguredClients(Map.of(), Map.of(), false), new ConfiguredUsers(Map.of("jo", WORKER)))
                .validate(token);
        assertThat(description(removed)).contains("no longer configured");
        SecurityProperties.App wider =
                new SecurityProperties.App(APP.redirectUris(), List.of("openid", "user/Patient.rs", "user/Goal.rs"));
        OAuth2TokenValidatorResult changed = new IssuedClientCheck(
                        new ConfiguredClients(Map.of(), Map.of("app", wider), false),
                        new ConfiguredUsers(Map.of("jo", WORKER)))
                .validate(token);
        assertThat(description(changed)).contains("has changed since");
    }
}
