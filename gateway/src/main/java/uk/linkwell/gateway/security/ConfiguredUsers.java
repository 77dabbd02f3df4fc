package uk.linkwell.gateway.security;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;

/**
 * The people who sign in to the embedded authorization server at this start ({@code linkwell.security.users} and,
 * where {@link DemoClients} allows, the demo users), each with a fingerprint of their configuration. A signed-in
 * user's access token carries the fingerprint ({@value #FINGERPRINT_CLAIM}) and each request compares it with the
 * user's configuration now ({@link IssuedClientCheck}), as for clients: removing a user, changing their practitioner,
 * role, organisation or password ends their tokens at once, and their refresh tokens with the next refresh.
 */
public final class ConfiguredUsers {

    /** The access-token claim that marks a token as a signed-in user's, configured as they were then. */
    public static final String FINGERPRINT_CLAIM = "user_config";

    private final Map<String, SecurityProperties.User> users;
    private final Map<String, String> fingerprints;

    ConfiguredUsers(Map<String, SecurityProperties.User> users) {
        Map<String, String> prints = new LinkedHashMap<>();
        users.forEach((name, user) -> {
            check(name, user);
            prints.put(name, fingerprint(name, user));
        });
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        this.fingerprints = Map.copyOf(prints);
    }

    /** The configured users, and the demo users if {@link DemoClients} lets them on with this database. */
    public static ConfiguredUsers of(SecurityProperties properties, String datasourceUrl) {
        Map<String, SecurityProperties.User> all = new LinkedHashMap<>();
        if (DemoClients.enabled(properties, datasourceUrl)) {
            all.putAll(properties.demoUsers());
        }
        all.putAll(properties.users());
        return new ConfiguredUsers(all);
    }

    public Optional<SecurityProperties.User> get(String username) {
        return Optional.ofNullable(username).map(users::get);
    }

    public Optional<String> fingerprint(String username) {
        return Optional.ofNullable(username).map(fingerprints::get);
    }

    public boolean isEmpty() {
        return users.isEmpty();
    }

    /** For the sign-in form: the user's name and password hash, nothing else (claims are looked up at issue). */
    public UserDetailsService userDetails() {
        return username -> get(username)
                .map(user -> User.withUsername(username)
                        .password(user.password())
                        .authorities(List.of())
                        .build())
                .orElseThrow(() -> new UsernameNotFoundException("no such user"));
    }

    /**
     * The scopes a signed-in user's access token carries of those the app was granted. An operator (admin) is exempt
     * from consent and reaches every record their scopes name, so through an app, a public client on a phone or
     * laptop, they get only the scopes on types about no one person ({@link Reach#OPEN_TYPES}: Measure for the
     * service's figures, the directory): their work on messages and deliveries is at {@code /admin}, by role. A link
     * worker gets what was granted; their caseload and the consent engine decide the rest.
     */
    public static List<String> scopesFor(SecurityProperties.User user, Collection<String> granted) {
        if (ClientRole.fromCode(user.role()).orElse(null) != ClientRole.ADMIN) {
            return List.copyOf(granted);
        }
        return granted.stream()
                .filter(scope -> SmartScope.parse(scope)
                        .map(s -> Reach.OPEN_TYPES.contains(s.resourceType()))
                        .orElse(true))
                .toList();
    }

    static String fingerprint(String username, SecurityProperties.User user) {
        return ConfiguredClients.digest(
                "linkwell-user-v1", username, user.role(), user.organisation(), user.practitioner(), user.password());
    }

    /** A user without a known role, a practitioner or a bcrypt hash would get a token that reaches nothing. */
    private static void check(String username, SecurityProperties.User user) {
        if (ClientRole.fromCode(user.role()).isEmpty()) {
            throw new IllegalStateException("linkwell.security user " + username + " has role '" + user.role()
                    + "'; expected one of " + ClientRole.codes());
        }
        ClientRole role = ClientRole.fromCode(user.role()).get();
        if (role != ClientRole.LINK_WORKER_APP && role != ClientRole.ADMIN) {
            // A person signs in as a link worker or as an operator; systems of other roles use client credentials.
            throw new IllegalStateException("linkwell.security user " + username + " has role '" + user.role()
                    + "'; people sign in as link-worker-app or admin (other roles are systems: configure a client)");
        }
        if (user.password() == null || !user.password().startsWith("{bcrypt}")) {
            throw new IllegalStateException(
                    "linkwell.security user " + username + " needs their password as a bcrypt hash: {bcrypt}$2a$...");
        }
        if (user.practitioner() == null || !user.practitioner().matches("Practitioner/[A-Za-z0-9\\-.]{1,64}")) {
            throw new IllegalStateException("linkwell.security user " + username
                    + " needs their practitioner as Practitioner/<id> (it becomes the token's fhirUser)");
        }
    }
}
