package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * The claims of a signed-in user's tokens come from the user as configured when each token is made: the first one
 * after sign-in and every one after a refresh. A refresh for a user removed since gets nothing.
 */
class SignedInClaimsTest {

    private static final SecurityProperties.App APP =
            new SecurityProperties.App(List.of("http://127.0.0.1/callback"), List.of("openid", "user/Patient.rs"));
    private static final SecurityProperties.User WORKER = new SecurityProperties.User(
            "{bcrypt}$2a$04$abcdefghijklmnopqrstuu", "link-worker-app", "Y90001", "Practitioner/lw-1");
    private static final RegisteredClient REGISTERED = RegisteredClient.withId("app")
            .clientId("app")
            .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
            .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .redirectUri("http://127.0.0.1/callback")
            .build();

    private static OAuth2TokenCustomizer<JwtEncodingContext> claims(Map<String, SecurityProperties.User> users) {
        return new EmbeddedAuthorizationServerConfig()
                .linkwellClaims(new ConfiguredClients(Map.of(), Map.of("app", APP), false), new ConfiguredUsers(users));
    }

    private static JwtEncodingContext context(OAuth2TokenType type, JwtClaimsSet.Builder claims) {
        return JwtEncodingContext.with(JwsHeader.with(SignatureAlgorithm.RS256), claims)
                .registeredClient(REGISTERED)
                .principal(new UsernamePasswordAuthenticationToken("jo", null, List.of()))
                .authorizedScopes(Set.of("openid", "user/Patient.rs"))
                .tokenType(type)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .build();
    }

    @Test
    void theAccessTokenCarriesTheUsersClaimsAndBothFingerprints() {
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder().subject("jo");
        claims(Map.of("jo", WORKER)).customize(context(OAuth2TokenType.ACCESS_TOKEN, claims));
        Map<String, Object> made = claims.build().getClaims();
        assertThat(made)
                .containsEntry("fhirUser", "Practitioner/lw-1")
                .containsEntry("practitioner", "Practitioner/lw-1")
                .containsEntry("role", "link-worker-app")
                .containsEntry("org", "Y90001")
                .containsEntry("client_id", "app")
                .containsEntry(ConfiguredClients.FINGERPRINT_CLAIM, ConfiguredClients.fingerprint("app", APP))
                .containsEntry(ConfiguredUsers.FINGERPRINT_CLAIM, ConfiguredUsers.fingerprint("jo", WORKER));
        assertThat(made.get("scope").toString().split(" ")).containsExactlyInAnyOrder("openid", "user/Patient.rs");
    }

    @Test
    void theIdTokenNamesThePractitioner() {
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder().subject("jo");
        claims(Map.of("jo", WORKER)).customize(context(new OAuth2TokenType(OidcParameterNames.ID_TOKEN), claims));
        assertThat(claims.build().getClaims())
                .containsEntry("fhirUser", "Practitioner/lw-1")
                .doesNotContainKey("role");
    }

    @Test
    void aUserRemovedSinceSignInGetsNoNewToken() {
        assertThatThrownBy(() -> claims(Map.of("sam", WORKER))
                        .customize(context(OAuth2TokenType.ACCESS_TOKEN, JwtClaimsSet.builder())))
                .isInstanceOf(OAuth2AuthenticationException.class)
                .hasMessageContaining("no longer configured");
    }

    /**
     * An operator signs in too, but through a public app their token carries only the scopes on types about no one
     * person (the service's figures, the directory): their exemption from consent never reaches a person's record
     * through an app. Their messages and deliveries are at /admin, by role.
     */
    @Test
    void anOperatorsTokenThroughAnAppCarriesNoScopeOnAPersonsRecords() {
        SecurityProperties.User operator =
                new SecurityProperties.User(WORKER.password(), "admin", WORKER.organisation(), "Practitioner/op-1");
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder().subject("jo");
        JwtEncodingContext context = JwtEncodingContext.with(JwsHeader.with(SignatureAlgorithm.RS256), claims)
                .registeredClient(REGISTERED)
                .principal(new UsernamePasswordAuthenticationToken("jo", null, List.of()))
                .authorizedScopes(Set.of("openid", "fhirUser", "user/Patient.rs", "user/*.rs", "user/Measure.rs"))
                .tokenType(OAuth2TokenType.ACCESS_TOKEN)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .build();
        claims(Map.of("jo", operator)).customize(context);
        Map<String, Object> made = claims.build().getClaims();
        assertThat(made).containsEntry("role", "admin").containsEntry("fhirUser", "Practitioner/op-1");
        assertThat(made.get("scope").toString().split(" "))
                .containsExactlyInAnyOrder("openid", "fhirUser", "user/Measure.rs");
    }

    /** People sign in as link workers or operators; other roles are systems, with client credentials. */
    @Test
    void peopleSignInAsLinkWorkersOrOperatorsOnly() {
        SecurityProperties.User gp = new SecurityProperties.User(
                WORKER.password(), "gp-system", WORKER.organisation(), WORKER.practitioner());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConfiguredUsers(Map.of("gp", gp)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("people sign in as link-worker-app or admin");
    }
}
