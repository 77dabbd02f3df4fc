package uk.linkwell.gateway.security;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Refuses a token the embedded authorization server issued once its client is no longer configured, or no longer
 * configured as it was when the token was issued (another organisation, role, practitioner, scopes or secret).
 * It runs on every request, remembered tokens included ({@link VerifiedTokens} validates them again). A token of a
 * signed-in user is also refused once that user is removed or configured otherwise ({@link ConfiguredUsers}).
 *
 * <p>A token without the fingerprint claim was not issued by the embedded server: every token it issues carries
 * one, and the signature covers the claim, so only a holder of the signing key (the tests, minting tokens for any
 * role) can make such a token. It is left to the other validators.
 */
final class IssuedClientCheck implements OAuth2TokenValidator<Jwt> {

    static final String REMOVED = "The client this token was issued to is no longer configured at this gateway";
    static final String CHANGED = "The configuration of the client this token was issued to has changed since "
            + "(role, organisation, practitioner, scopes or secret); request a new token";
    static final String USER_REMOVED = "The user this token was issued to is no longer configured at this gateway";
    static final String USER_CHANGED = "The user this token was issued to is configured otherwise since (role, "
            + "organisation, practitioner or password); sign in again";

    private static final Logger log = LoggerFactory.getLogger(IssuedClientCheck.class);

    private final ConfiguredClients clients;
    private final ConfiguredUsers users;

    IssuedClientCheck(ConfiguredClients clients) {
        this(clients, new ConfiguredUsers(java.util.Map.of()));
    }

    IssuedClientCheck(ConfiguredClients clients, ConfiguredUsers users) {
        this.clients = clients;
        this.users = users;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt jwt) {
        Object issuedFor = jwt.getClaims().get(ConfiguredClients.FINGERPRINT_CLAIM);
        if (issuedFor == null) {
            return OAuth2TokenValidatorResult.success();
        }
        String clientId = jwt.getClaimAsString(Requester.CLIENT_ID_CLAIM);
        Optional<String> now = clients.fingerprint(clientId);
        if (now.isEmpty()) {
            return refused(clientId, REMOVED);
        }
        if (!now.get().equals(issuedFor.toString())) {
            return refused(clientId, CHANGED);
        }
        Object signedIn = jwt.getClaims().get(ConfiguredUsers.FINGERPRINT_CLAIM);
        if (signedIn != null) {
            Optional<String> user = users.fingerprint(jwt.getSubject());
            if (user.isEmpty()) {
                return refused(clientId, USER_REMOVED);
            }
            if (!user.get().equals(signedIn.toString())) {
                return refused(clientId, USER_CHANGED);
            }
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult refused(String clientId, String reason) {
        // The client id is the token's own (signed) claim; no stack trace, the reason is the whole story. A user's
        // name stays out of the log.
        log.info("Refused an access token of client {}: {}", clientId, reason);
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, reason, null));
    }
}
