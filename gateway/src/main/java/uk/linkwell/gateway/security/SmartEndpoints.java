package uk.linkwell.gateway.security;

import java.util.List;
import java.util.Optional;

/** Where clients find the token (and authorization) endpoint: the embedded server's, or an external provider's. */
final class SmartEndpoints {

    static final String TOKEN_PATH = "/oauth2/token";
    static final String AUTHORIZE_PATH = "/oauth2/authorize";
    /** The grants the embedded server gives to the clients and apps it knows. */
    static final List<String> GRANT_TYPES = List.of("authorization_code", "client_credentials", "refresh_token");
    /** Secrets for systems; none for public apps (PKCE instead). */
    static final List<String> AUTH_METHODS = List.of("client_secret_basic", "client_secret_post", "none");

    static final String JWKS_PATH = "/oauth2/jwks";

    private SmartEndpoints() {}

    static Optional<String> tokenEndpoint(SecurityProperties properties, String gatewayBase) {
        if (properties.tokenEndpoint() != null && !properties.tokenEndpoint().isBlank()) {
            return Optional.of(properties.tokenEndpoint());
        }
        if (properties.authorizationServer().enabled()) {
            return Optional.of(issuerBase(properties, gatewayBase) + TOKEN_PATH);
        }
        return Optional.empty();
    }

    /** The embedded server's authorization endpoint (SMART App Launch); none when an external provider is used. */
    static Optional<String> authorizationEndpoint(SecurityProperties properties, String gatewayBase) {
        return properties.authorizationServer().enabled()
                ? Optional.of(issuerBase(properties, gatewayBase) + AUTHORIZE_PATH)
                : Optional.empty();
    }

    static String issuerBase(SecurityProperties properties, String gatewayBase) {
        String issuer = properties.authorizationServer().issuer();
        return issuer.isBlank() ? gatewayBase : stripSlash(issuer);
    }

    /** {@code http://host:8080/fhir} becomes {@code http://host:8080}. */
    static String gatewayBase(String fhirBase) {
        String base = stripSlash(fhirBase == null ? "" : fhirBase);
        return base.endsWith("/fhir") ? base.substring(0, base.length() - "/fhir".length()) : base;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
