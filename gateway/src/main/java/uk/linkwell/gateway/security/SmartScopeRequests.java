package uk.linkwell.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * SMART scopes as permissions at the embedded server's doors ({@link ScopeGrants}); Spring Authorization Server
 * compares scope strings letter for letter.
 *
 * <ul>
 *   <li>Client credentials: a system may ask for any narrower form of a scope it holds; asking for more than it holds
 *       is refused ({@code invalid_scope}), since a system's scopes are configuration and a mismatch is a mistake.
 *   <li>Authorization code: what an app asks for is narrowed to what it may have (SMART: the server may grant fewer
 *       scopes; the app reads the granted ones in the token response); refused only when nothing asked for can be
 *       granted. The person may narrow it further on the consent page.
 * </ul>
 */
final class SmartScopeRequests {

    private static final String ERROR_URI = "https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2.1";
    private static final String AUDIENCE = "aud";

    private SmartScopeRequests() {}

    /** Client credentials: each requested scope must be allowed, as it is or in a narrower form. */
    static void checkClientCredentials(OAuth2ClientCredentialsAuthenticationContext context) {
        RegisteredClient client = context.getRegisteredClient();
        OAuth2ClientCredentialsAuthenticationToken request = context.getAuthentication();
        for (String scope : request.getScopes()) {
            if (!ScopeGrants.allowed(scope, client.getScopes())) {
                throw new OAuth2AuthenticationException(new OAuth2Error(
                        OAuth2ErrorCodes.INVALID_SCOPE,
                        "Scope '" + scope + "' is not allowed for this client, nor is any scope it narrows",
                        null));
            }
        }
    }

    /**
     * The authorization request's checks (redirect URI, PKCE, grant type, prompt) as Spring makes them, with scopes
     * checked as permissions rather than strings.
     */
    static Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> codeRequestValidator(
            SecurityProperties properties) {
        OAuth2AuthorizationCodeRequestAuthenticationValidator spring =
                new OAuth2AuthorizationCodeRequestAuthenticationValidator();
        return context -> {
            OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
            RegisteredClient client = context.getRegisteredClient();
            Set<String> literal = new LinkedHashSet<>(request.getScopes());
            literal.retainAll(client.getScopes());
            // Spring's own checks first, so a bad redirect URI is never redirected to; its scope check sees only
            // the scopes allowed letter for letter.
            spring.accept(OAuth2AuthorizationCodeRequestAuthenticationContext.with(copy(request, literal))
                    .registeredClient(client)
                    .build());
            Object audience = request.getAdditionalParameters().get(AUDIENCE);
            if (audience != null && !fhirBases(request, properties).contains(stripSlash(audience.toString()))) {
                throw refusal(
                        request,
                        OAuth2ErrorCodes.INVALID_REQUEST,
                        "aud names another server than this one's FHIR base");
            }
            for (String scope : request.getScopes()) {
                if (!ScopeGrants.allowed(scope, client.getScopes())) {
                    throw refusal(
                            request,
                            OAuth2ErrorCodes.INVALID_SCOPE,
                            "None of the requested scopes can be granted to this app");
                }
            }
        };
    }

    /** An error sent back to the app at its redirect URI (which Spring's checks have passed by then). */
    private static OAuth2AuthorizationCodeRequestAuthenticationException refusal(
            OAuth2AuthorizationCodeRequestAuthenticationToken request, String code, String description) {
        OAuth2AuthorizationCodeRequestAuthenticationToken result = copy(request, request.getScopes());
        result.setAuthenticated(true);
        return new OAuth2AuthorizationCodeRequestAuthenticationException(
                new OAuth2Error(code, description, ERROR_URI), result);
    }

    /**
     * SMART's {@code aud}: the FHIR base the app means to use, which must be this gateway's {@code /fhir} as reached
     * for this request, or under the fixed issuer. An app that sends none is not refused (plain OAuth clients).
     */
    private static Set<String> fhirBases(
            OAuth2AuthorizationCodeRequestAuthenticationToken request, SecurityProperties properties) {
        Set<String> bases = new LinkedHashSet<>();
        String authorize = stripSlash(request.getAuthorizationUri());
        if (authorize.endsWith(SmartEndpoints.AUTHORIZE_PATH)) {
            bases.add(authorize.substring(0, authorize.length() - SmartEndpoints.AUTHORIZE_PATH.length()) + "/fhir");
        }
        if (!properties.authorizationServer().issuer().isBlank()) {
            bases.add(stripSlash(properties.authorizationServer().issuer()) + "/fhir");
        }
        return bases;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Wraps Spring's authorization request converter: the requested scopes become what the app may have of them
     * (left as they are when nothing remains, for the validator to refuse).
     */
    static AuthenticationConverter narrowing(AuthenticationConverter spring, ConfiguredClients clients) {
        return (HttpServletRequest http) -> {
            Authentication converted = spring.convert(http);
            if (!(converted instanceof OAuth2AuthorizationCodeRequestAuthenticationToken request)) {
                return converted;
            }
            return clients.app(request.getClientId())
                    .map(app -> ScopeGrants.narrowed(request.getScopes(), app.scopes()))
                    .filter(granted -> !granted.isEmpty())
                    .<Authentication>map(granted -> copy(request, granted))
                    .orElse(request);
        };
    }

    private static OAuth2AuthorizationCodeRequestAuthenticationToken copy(
            OAuth2AuthorizationCodeRequestAuthenticationToken request, Set<String> scopes) {
        return new OAuth2AuthorizationCodeRequestAuthenticationToken(
                request.getAuthorizationUri(),
                request.getClientId(),
                (Authentication) request.getPrincipal(),
                request.getRedirectUri(),
                request.getState(),
                scopes,
                request.getAdditionalParameters());
    }
}
