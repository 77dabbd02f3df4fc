package uk.linkwell.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Objects;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * The sign-ins the embedded server is in the middle of or has completed (authorization code, consent state, refresh
 * token), held in this instance's memory for at most the refresh token's lifetime. Client-credentials grants are not
 * kept: their access tokens are self-contained JWTs that nothing looks up, so memory stays flat however many
 * systems call. A restart ends every sign-in (people sign in again); several instances need sticky sessions.
 */
final class SignInAuthorizations implements OAuth2AuthorizationService {

    private final Cache<String, OAuth2Authorization> authorizations;

    /**
     * @param lifetime how long an authorization is kept after its last change (the refresh token's lifetime)
     * @param size the most sign-ins kept; past it the oldest are forgotten (their users sign in again)
     */
    SignInAuthorizations(Duration lifetime, long size) {
        this.authorizations = Caffeine.newBuilder()
                .expireAfterWrite(lifetime)
                .maximumSize(size)
                .build();
    }

    @Override
    public void save(OAuth2Authorization authorization) {
        if (!AuthorizationGrantType.CLIENT_CREDENTIALS.equals(authorization.getAuthorizationGrantType())) {
            authorizations.put(authorization.getId(), authorization);
        }
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
        authorizations.invalidate(authorization.getId());
    }

    @Override
    public OAuth2Authorization findById(String id) {
        return authorizations.getIfPresent(id);
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        return authorizations.asMap().values().stream()
                .filter(a -> holds(a, token, tokenType))
                .findFirst()
                .orElse(null);
    }

    private static boolean holds(OAuth2Authorization a, String token, OAuth2TokenType type) {
        if (type == null) {
            return state(a, token)
                    || value(a.getToken(OAuth2AuthorizationCode.class), token)
                    || value(a.getToken(OAuth2AccessToken.class), token)
                    || value(a.getToken(OidcIdToken.class), token)
                    || value(a.getToken(OAuth2RefreshToken.class), token);
        }
        return switch (type.getValue()) {
            case OAuth2ParameterNames.STATE -> state(a, token);
            case OAuth2ParameterNames.CODE -> value(a.getToken(OAuth2AuthorizationCode.class), token);
            case OAuth2ParameterNames.ACCESS_TOKEN -> value(a.getToken(OAuth2AccessToken.class), token);
            case OidcParameterNames.ID_TOKEN -> value(a.getToken(OidcIdToken.class), token);
            case OAuth2ParameterNames.REFRESH_TOKEN -> value(a.getToken(OAuth2RefreshToken.class), token);
            default -> false;
        };
    }

    private static boolean state(OAuth2Authorization a, String token) {
        return Objects.equals(a.getAttribute(OAuth2ParameterNames.STATE), token);
    }

    private static boolean value(OAuth2Authorization.Token<?> held, String token) {
        return held != null && held.getToken().getTokenValue().equals(token);
    }
}
