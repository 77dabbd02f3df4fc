package uk.linkwell.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The clients of the embedded authorization server at this start (the configured ones and, where allowed, the demo
 * ones): systems with a secret (client credentials) and apps people sign in to (authorization code), each with a
 * fingerprint of its configuration. The server writes the fingerprint into every access token
 * it issues ({@value #FINGERPRINT_CLAIM}), and each request compares it with the client's configuration now
 * ({@link IssuedClientCheck}): a token outlives neither its client's removal nor a change of what it was given.
 */
public final class ConfiguredClients {

    /** The access-token claim that marks a token as issued here, for a client configured as it was then. */
    public static final String FINGERPRINT_CLAIM = "client_config";

    private final Map<String, SecurityProperties.Client> clients;
    private final Map<String, SecurityProperties.App> apps;
    private final Map<String, String> fingerprints;
    private final boolean demoClientsActive;

    ConfiguredClients(Map<String, SecurityProperties.Client> clients, boolean demoClientsActive) {
        this(clients, Map.of(), demoClientsActive);
    }

    ConfiguredClients(
            Map<String, SecurityProperties.Client> clients,
            Map<String, SecurityProperties.App> apps,
            boolean demoClientsActive) {
        this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
        this.apps = Collections.unmodifiableMap(new LinkedHashMap<>(apps));
        Map<String, String> prints = new LinkedHashMap<>();
        clients.forEach((id, client) -> prints.put(id, fingerprint(id, client)));
        apps.forEach((id, app) -> {
            if (prints.containsKey(id)) {
                throw new IllegalStateException("linkwell.security: '" + id + "' is both a client and an app; "
                        + "a client id names one of them");
            }
            prints.put(id, fingerprint(id, app));
        });
        this.fingerprints = Map.copyOf(prints);
        this.demoClientsActive = demoClientsActive;
    }

    /** The configured clients, and the demo clients if {@link DemoClients} lets them on with this database. */
    public static ConfiguredClients of(SecurityProperties properties, String datasourceUrl) {
        boolean demo = DemoClients.enabled(properties, datasourceUrl);
        Map<String, SecurityProperties.Client> all = new LinkedHashMap<>();
        if (demo) {
            all.putAll(properties.demoClients());
        }
        // A configured client of the same id replaces the demo one.
        all.putAll(properties.clients());
        Map<String, SecurityProperties.App> apps = new LinkedHashMap<>();
        if (demo) {
            apps.putAll(properties.demoApps());
        }
        apps.putAll(properties.apps());
        return new ConfiguredClients(
                all, apps, demo && !DemoClients.names(properties).isEmpty());
    }

    /** The clients with a secret (client credentials), keyed by client id, in configuration order. */
    public Map<String, SecurityProperties.Client> all() {
        return clients;
    }

    /** The apps people sign in to (authorization code with PKCE), keyed by client id. */
    public Map<String, SecurityProperties.App> apps() {
        return apps;
    }

    public Optional<SecurityProperties.App> app(String clientId) {
        return Optional.ofNullable(clientId).map(apps::get);
    }

    public Optional<SecurityProperties.Client> get(String clientId) {
        return Optional.ofNullable(clientId).map(clients::get);
    }

    /** The fingerprint of the client's configuration now, or empty when no such client is configured. */
    public Optional<String> fingerprint(String clientId) {
        return Optional.ofNullable(clientId).map(fingerprints::get);
    }

    public boolean demoClientsActive() {
        return demoClientsActive;
    }

    /**
     * SHA-256 over everything a token's claims come from (role, organisation, practitioner, allowed scopes) and the
     * secret's hash, so rotating a leaked secret also ends the tokens issued with it. Scopes are sorted: reordering
     * a list changes nothing. Each field is length-prefixed so no two configurations share an input.
     */
    static String fingerprint(String clientId, SecurityProperties.Client client) {
        return digest(
                "linkwell-client-v1",
                clientId,
                client.role(),
                client.organisation(),
                client.practitioner(),
                String.join(" ", new TreeSet<>(client.scopes())),
                client.secret());
    }

    /** An app's: its allowed scopes and redirect URIs (the user's claims have a fingerprint of their own). */
    static String fingerprint(String clientId, SecurityProperties.App app) {
        return digest(
                "linkwell-app-v1",
                clientId,
                String.join(" ", new TreeSet<>(app.scopes())),
                String.join(" ", new TreeSet<>(app.redirectUris())));
    }

    /** SHA-256 of length-prefixed fields, cut to 128 bits (also {@link ConfiguredUsers}'). */
    static String digest(String kind, String... fields) {
        StringBuilder canonical = new StringBuilder(kind);
        for (String field : fields) {
            String value = field == null ? "" : field;
            canonical.append('|').append(value.length()).append(':').append(value);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            // 128 bits tell configurations apart; the token stays short.
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
