package uk.linkwell.gateway.security;

import java.util.Locale;
import java.util.TreeSet;

/**
 * Whether the README tour's demo clients (secrets published, {@code demo-admin} among them), and with them the demo
 * users and apps people sign in with (passwords published), are on at this start.
 * They belong to the embedded H2 database a first run uses; on any other database they are off unless asked for,
 * and asked for there they stop the start unless {@code demo-clients-on-any-database} says so in so many words.
 */
public final class DemoClients {

    private DemoClients() {}

    /**
     * @param datasourceUrl {@code spring.datasource.url} of this start
     * @throws IllegalStateException when they would be on with a database other than the embedded H2 without the
     *     explicit override; the message says how to proceed
     */
    public static boolean enabled(SecurityProperties properties, String datasourceUrl) {
        boolean embeddedH2 = isEmbeddedH2(datasourceUrl);
        boolean enabled = properties.demoClientsEnabled() == null ? embeddedH2 : properties.demoClientsEnabled();
        if (!enabled || names(properties).isEmpty() || embeddedH2 || properties.demoClientsOnAnyDatabase()) {
            return enabled;
        }
        throw new IllegalStateException("Refusing to start: the demo clients and users ("
                + String.join(", ", names(properties))
                + ", whose secrets are published in the README) are enabled on a database other than the embedded H2 ("
                + scheme(datasourceUrl) + "). Declare your own clients under linkwell.security.clients and turn the "
                + "demo clients off: LINKWELL_DEMO_CLIENTS=false (linkwell.security.demo-clients-enabled=false). "
                + "Only on a throw-away test machine without real data: "
                + "linkwell.security.demo-clients-on-any-database=true, or --spring.profiles.active=demo.");
    }

    /** The demo clients, apps and users, by name, sorted. */
    static TreeSet<String> names(SecurityProperties properties) {
        TreeSet<String> names = new TreeSet<>(properties.demoClients().keySet());
        names.addAll(properties.demoApps().keySet());
        names.addAll(properties.demoUsers().keySet());
        return names;
    }

    /** H2 in a file or in memory inside this process; an H2 server reached over the network is another database. */
    static boolean isEmbeddedH2(String datasourceUrl) {
        if (datasourceUrl == null) {
            return false;
        }
        String url = datasourceUrl.trim().toLowerCase(Locale.ROOT);
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
    }

    /** {@code jdbc:postgresql}: enough to say which database, without a host, user or password from the URL. */
    private static String scheme(String datasourceUrl) {
        if (datasourceUrl == null || datasourceUrl.isBlank()) {
            return "no spring.datasource.url";
        }
        String[] parts = datasourceUrl.trim().split(":", 3);
        return parts.length >= 2 ? parts[0] + ":" + parts[1] : "an unrecognised JDBC URL";
    }
}
