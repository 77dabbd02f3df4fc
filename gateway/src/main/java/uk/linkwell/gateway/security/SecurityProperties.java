package uk.linkwell.gateway.security;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code linkwell.security.*}: whether doors are guarded, the embedded token issuer and the clients it knows.
 *
 * @param enabled false opens every door; honoured only together with {@code allowDisabled}
 * @param allowDisabled the second key needed to turn security off (benchmarks, never production)
 * @param clients the real clients, keyed by client id
 * @param demoClientsEnabled whether the README tour's clients are on; null (the default) means on with the embedded
 *     H2 database and off on any other (see {@link DemoClients})
 * @param demoClients the README tour's clients, keyed by client id; used only while enabled
 * @param demoClientsOnAnyDatabase the words that allow demo clients on a database other than the embedded H2 (a
 *     throw-away test machine); without them the gateway refuses to start there with demo clients on
 * @param clockSkew how far past its {@code exp} (or before its {@code nbf}) a token is still accepted; at most 30 s
 * @param tokenEndpoint the token endpoint SMART discovery advertises when an external provider issues tokens
 * @param caseloadCacheTtl how long a computed caseload may be reused by this instance
 * @param verifiedTokenCache how many verified access tokens are remembered, and for how long, so that their
 *     signatures are not checked again on every request (their times and claims always are)
 * @param users the people who sign in to the embedded server (SMART App Launch), keyed by username
 * @param demoUsers the README tour's users (passwords published); on and off with the demo clients
 * @param apps the apps people sign in to (authorization code with PKCE, public clients), keyed by client id
 * @param demoApps the README tour's apps; on and off with the demo clients
 * @param externalClaims where an external provider's tokens carry what Linkwell's {@code role}, {@code org} and
 *     {@code practitioner} claims say; used only while the embedded authorization server is off
 */
@ConfigurationProperties("linkwell.security")
public record SecurityProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("false") boolean allowDisabled,
        @DefaultValue AuthorizationServer authorizationServer,
        Map<String, Client> clients,
        Boolean demoClientsEnabled,
        Map<String, Client> demoClients,
        @DefaultValue("false") boolean demoClientsOnAnyDatabase,
        @DefaultValue("30s") Duration clockSkew,
        String tokenEndpoint,
        @DefaultValue("60s") Duration caseloadCacheTtl,
        @DefaultValue VerifiedTokenCache verifiedTokenCache,
        Map<String, User> users,
        Map<String, User> demoUsers,
        Map<String, App> apps,
        Map<String, App> demoApps,
        @DefaultValue ExternalClaims externalClaims) {

    /** The most clock skew a token's times are allowed: an expired token is not honoured for longer. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(30);

    public SecurityProperties {
        clients = clients == null ? Map.of() : Map.copyOf(clients);
        demoClients = demoClients == null ? Map.of() : Map.copyOf(demoClients);
        users = users == null ? Map.of() : Map.copyOf(users);
        demoUsers = demoUsers == null ? Map.of() : Map.copyOf(demoUsers);
        apps = apps == null ? Map.of() : Map.copyOf(apps);
        demoApps = demoApps == null ? Map.of() : Map.copyOf(demoApps);
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("linkwell.security.clock-skew is " + clockSkew.toSeconds()
                    + " s; it must be between 0 and " + MAX_CLOCK_SKEW.toSeconds() + " s");
        }
    }

    /**
     * Verified tokens remembered by the resource server.
     *
     * @param size distinct tokens remembered; 0 checks every signature every time
     * @param ttl the longest a token is remembered (it is refused anyway once expired)
     */
    public record VerifiedTokenCache(@DefaultValue("10000") long size, @DefaultValue("10m") Duration ttl) {}

    /**
     * The embedded Spring Authorization Server.
     *
     * @param issuer fixed issuer URL for the tokens it signs; empty means the URL the token was requested on
     * @param tokenTtl lifetime of an access token; short, since a token carries its client's (or user's) claims
     *     (each request also checks them against the current configuration)
     * @param refreshTokenTtl lifetime of a refresh token, issued to a signed-in app granted {@code offline_access};
     *     each use replaces it with a new one
     */
    public record AuthorizationServer(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("") String issuer,
            @DefaultValue("5m") Duration tokenTtl,
            @DefaultValue("8h") Duration refreshTokenTtl) {}

    /**
     * The claims of an external OpenID Connect provider's tokens that Linkwell reads as its own ({@link ProviderClaims}):
     * each a claim name or a dotted path into nested objects.
     *
     * @param role a string, or a list whose first known role code counts (Keycloak: {@code realm_access.roles})
     * @param org the organisation's ODS code
     * @param practitioner {@code Practitioner/<id>}, a URL ending in one, or a bare id; when absent, SMART's
     *     {@code fhirUser} claim is read instead
     */
    public record ExternalClaims(
            @DefaultValue("role") String role,
            @DefaultValue("org") String org,
            @DefaultValue("practitioner") String practitioner) {}

    /**
     * A client of the embedded authorization server.
     *
     * @param secret the bcrypt hash of its secret, {@code {bcrypt}$2a$...}
     * @param role the code of a {@link ClientRole}
     * @param organisation the ODS code of the organisation it acts for
     * @param scopes the SMART scopes it may be granted
     * @param practitioner for link-worker apps: the Practitioner whose caseload it serves
     */
    public record Client(String secret, String role, String organisation, List<String> scopes, String practitioner) {
        public Client {
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }
    }

    /**
     * A person who signs in to the embedded server; their tokens carry these claims, as a client's carry its own.
     *
     * @param password the bcrypt hash of their password, {@code {bcrypt}$2a$...}
     * @param role the code of a {@link ClientRole} (a link worker: {@code link-worker-app})
     * @param organisation the ODS code of the organisation they work for
     * @param practitioner their Practitioner ({@code Practitioner/<id>}): the token's {@code fhirUser}, and whose
     *     caseload a link worker sees
     */
    public record User(String password, String role, String organisation, String practitioner) {}

    /**
     * An app people sign in to: a public client (no secret; PKCE with S256 instead) of the authorization-code grant.
     *
     * @param redirectUris where the server may send the person back with a code (exact match; a loopback IP address
     *     such as {@code http://127.0.0.1/callback} with any port)
     * @param scopes the most it may be granted: SMART {@code user/} scopes and {@code openid fhirUser offline_access}
     */
    public record App(List<String> redirectUris, List<String> scopes) {
        public App {
            redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }
    }
}
