package uk.linkwell.gateway.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who is asking: the client, its role and organisation (ODS code), the practitioner an app acts for, and the
 * scopes it was granted. Built from the verified access token; the consent engine reads it too.
 *
 * @param practitioner a Practitioner reference ({@code Practitioner/123}) or null for system clients
 */
public record Requester(
        String clientId, ClientRole role, String organisation, String practitioner, Set<String> scopes) {

    public static final String ROLE_CLAIM = "role";
    public static final String ORGANISATION_CLAIM = "org";
    public static final String PRACTITIONER_CLAIM = "practitioner";
    public static final String SCOPE_CLAIM = "scope";
    public static final String CLIENT_ID_CLAIM = "client_id";

    /**
     * The scope sets seen, parsed: the decision point asks for every resource it shows, and the sets are few (one
     * per configured client and grant). Past the bound a set is parsed on each call instead.
     */
    private static final Map<Set<String>, List<SmartScope>> PARSED_SCOPES = new ConcurrentHashMap<>();

    private static final int PARSED_SCOPES_KEPT = 1_000;

    public Requester {
        scopes = Set.copyOf(scopes);
        practitioner = practitionerReference(practitioner);
    }

    /** The requester of the request being handled on this thread, if it carried a valid token. */
    public static Optional<Requester> current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication instanceof JwtAuthenticationToken token) {
            return fromToken(token.getToken());
        }
        return Optional.empty();
    }

    /** Empty when the token names no known role: such a token reaches nothing. */
    public static Optional<Requester> fromToken(Jwt jwt) {
        Optional<ClientRole> role = ClientRole.fromCode(jwt.getClaimAsString(ROLE_CLAIM));
        if (role.isEmpty()) {
            return Optional.empty();
        }
        String clientId =
                firstNonBlank(jwt.getClaimAsString(CLIENT_ID_CLAIM), jwt.getClaimAsString("azp"), jwt.getSubject());
        return Optional.of(new Requester(
                clientId,
                role.get(),
                jwt.getClaimAsString(ORGANISATION_CLAIM),
                jwt.getClaimAsString(PRACTITIONER_CLAIM),
                scopeStrings(jwt)));
    }

    /** Scopes as RFC 9068 puts them (one space-separated string), or as a list ({@code scope} or {@code scp}). */
    static Set<String> scopeStrings(Jwt jwt) {
        Set<String> scopes = new LinkedHashSet<>();
        for (String claim : List.of(SCOPE_CLAIM, "scp")) {
            Object value = jwt.getClaims().get(claim);
            if (value instanceof String s) {
                scopes.addAll(Arrays.asList(s.trim().split("\\s+")));
            } else if (value instanceof Collection<?> c) {
                c.forEach(v -> scopes.add(String.valueOf(v)));
            }
        }
        scopes.remove("");
        return scopes;
    }

    /** The SMART resource scopes among the granted ones. */
    public List<SmartScope> smartScopes() {
        List<SmartScope> parsed = PARSED_SCOPES.get(scopes);
        if (parsed == null) {
            parsed = scopes.stream()
                    .map(SmartScope::parse)
                    .flatMap(Optional::stream)
                    .toList();
            if (PARSED_SCOPES.size() < PARSED_SCOPES_KEPT) {
                PARSED_SCOPES.putIfAbsent(scopes, parsed);
            }
        }
        return parsed;
    }

    public boolean isGranted(String resourceType, SmartScope.Permission permission) {
        return smartScopes().stream().anyMatch(s -> s.appliesTo(resourceType) && s.grants(permission));
    }

    private static String practitionerReference(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.contains("/") ? value : "Practitioner/" + value;
    }

    private static String firstNonBlank(String... values) {
        return Arrays.stream(values)
                .filter(v -> v != null && !v.isBlank())
                .findFirst()
                .orElse(null);
    }
}
