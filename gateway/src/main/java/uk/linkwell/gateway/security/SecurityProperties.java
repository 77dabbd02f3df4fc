package uk.linkwell.gateway.security;

import java.time.Duration;
import java.util.LinkedHashMap;
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
 * @param demoClients the README tour's clients, keyed by client id; used only while {@code demoClientsEnabled}
 * @param tokenEndpoint the token endpoint SMART discovery advertises when an external provider issues tokens
 * @param caseloadCacheTtl how long a computed caseload may be reused by this instance
 * @param verifiedTokenCache how many verified access tokens are remembered, and for how long, so that their
 *     signatures are not checked again on every request (their times and claims always are)
 */
@ConfigurationProperties("linkwell.security")
public record SecurityProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("false") boolean allowDisabled,
        @DefaultValue AuthorizationServer authorizationServer,
        Map<String, Client> clients,
        @DefaultValue("true") boolean demoClientsEnabled,
        Map<String, Client> demoClients,
        String tokenEndpoint,
        @DefaultValue("60s") Duration caseloadCacheTtl,
        @DefaultValue VerifiedTokenCache verifiedTokenCache) {

    public SecurityProperties {
        clients = clients == null ? Map.of() : Map.copyOf(clients);
        demoClients = demoClients == null ? Map.of() : Map.copyOf(demoClients);
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
     * @param tokenTtl lifetime of an access token
     */
    public record AuthorizationServer(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("") String issuer,
            @DefaultValue("60m") Duration tokenTtl) {}

    /**
     * A client of the embedded authorization server.
     *
     * @param secret the bcrypt hash of its secret, {@code {bcrypt}$2a$...}
     * @param role one of gp-system, hospital, social-care-system, link-worker-app, admin, information-governance,
     *     metrics
     * @param organisation the ODS code of the organisation it acts for
     * @param scopes the SMART scopes it may be granted
     * @param practitioner for link-worker apps: the Practitioner whose caseload it serves
     */
    public record Client(String secret, String role, String organisation, List<String> scopes, String practitioner) {
        public Client {
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }
    }

    /** Every client the embedded server accepts: the configured ones and, while enabled, the demo ones. */
    public Map<String, Client> activeClients() {
        Map<String, Client> all = new LinkedHashMap<>();
        if (demoClientsEnabled) {
            all.putAll(demoClients);
        }
        all.putAll(clients);
        return all;
    }
}
