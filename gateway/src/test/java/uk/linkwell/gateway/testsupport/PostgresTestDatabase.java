package uk.linkwell.gateway.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * Gives integration tests a fresh PostgreSQL database: a Testcontainers container where a Docker
 * engine answers, otherwise a uniquely named database on the server named by
 * {@code LINKWELL_TEST_PG_URL}; with neither, it fails and says how to provide one.
 */
public final class PostgresTestDatabase {

    public static final String URL_VARIABLE = "LINKWELL_TEST_PG_URL";
    public static final String USER_VARIABLE = "LINKWELL_TEST_PG_USER";
    public static final String PASSWORD_VARIABLE = "LINKWELL_TEST_PG_PASSWORD";

    static final String DATABASE_PREFIX = "linkwell_test_";
    /** Databases left by a run that was killed are swept after this long. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(6);

    private static PostgresTestDatabase shared;

    private final Source source;
    private final List<String> created = new ArrayList<>();
    private final java.util.Set<AutoCloseable> users =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    private PostgresTestDatabase(Source source) {
        this.source = source;
    }

    /** The database server for this test run, chosen once per JVM. */
    public static synchronized PostgresTestDatabase server() {
        if (shared == null) {
            shared = new PostgresTestDatabase(chooseSource(System.getenv(), dockerAvailable()));
        }
        return shared;
    }

    /** Creates a new, empty database and returns its connection details. */
    public synchronized Connection newDatabase(String purpose) {
        return source.newDatabase(purpose, created);
    }

    /**
     * A database by name on the server named by {@code LINKWELL_TEST_PG_URL}, created when absent and never dropped:
     * for a benchmark's population seeded once and reused by later runs. Not with a container (it would not outlast
     * the run).
     */
    public synchronized Connection named(String name) {
        if (!(source instanceof ServerSource server)) {
            throw new IllegalStateException("A kept database needs " + URL_VARIABLE + " (not a container)");
        }
        if (!name.matches("[a-z0-9_]+") || name.startsWith(DATABASE_PREFIX)) {
            throw new IllegalArgumentException("Not a name for a kept database: " + name);
        }
        return server.named(name);
    }

    /** Something (an application context) to close before the databases go, so it does not outlive them. */
    public synchronized void closeBeforeDrop(AutoCloseable user) {
        users.add(user);
    }

    /** Closes what uses the databases, then drops every database this run created. */
    public synchronized void dropAll() {
        for (AutoCloseable user : users) {
            try {
                user.close();
            } catch (Exception e) {
                // Closing is best effort; the databases are dropped with FORCE regardless.
            }
        }
        users.clear();
        source.dropAll(created);
        created.clear();
    }

    /** Connection details of one test database. */
    public record Connection(String jdbcUrl, String username, String password) {}

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static Source chooseSource(Map<String, String> env, boolean dockerAvailable) {
        if (dockerAvailable) {
            return new ContainerSource();
        }
        String url = env.get(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            return new ServerSource(
                    url, env.getOrDefault(USER_VARIABLE, "postgres"), env.getOrDefault(PASSWORD_VARIABLE, ""));
        }
        throw new IllegalStateException(
                """
                No PostgreSQL for the integration tests: no Docker engine answered (Testcontainers) \
                and %s is not set. Either start a Docker engine, or point %s at a PostgreSQL server \
                whose user may CREATE DATABASE, e.g.
                  export %s=jdbc:postgresql://127.0.0.1:5432/postgres %s=postgres
                (password in %s). Each run creates and drops its own database there."""
                        .formatted(URL_VARIABLE, URL_VARIABLE, URL_VARIABLE, USER_VARIABLE, PASSWORD_VARIABLE));
    }

    /** Where test databases come from. */
    interface Source {
        Connection newDatabase(String purpose, List<String> created);

        void dropAll(List<String> created);
    }

    /** One PostgreSQL 16 container per run; each database is created inside it. */
    static final class ContainerSource implements Source {
        private PostgreSQLContainer<?> container;

        @Override
        public Connection newDatabase(String purpose, List<String> created) {
            if (container == null) {
                container = new PostgreSQLContainer<>("postgres:16-alpine");
                container.start();
            }
            String name = uniqueName(purpose);
            execute(
                    container.getJdbcUrl(),
                    container.getUsername(),
                    container.getPassword(),
                    "CREATE DATABASE " + name);
            created.add(name);
            return new Connection(
                    replaceDatabase(container.getJdbcUrl(), name), container.getUsername(), container.getPassword());
        }

        @Override
        public void dropAll(List<String> created) {
            if (container != null) {
                container.stop();
            }
        }
    }

    /** An existing server (CI: the machine's local PostgreSQL); databases are created and dropped. */
    static final class ServerSource implements Source {
        private final String adminUrl;
        private final String user;
        private final String password;
        private boolean swept;

        ServerSource(String adminUrl, String user, String password) {
            this.adminUrl = adminUrl;
            this.user = user;
            this.password = password;
        }

        @Override
        public Connection newDatabase(String purpose, List<String> created) {
            if (!swept) {
                sweepAbandoned();
                swept = true;
            }
            String name = uniqueName(purpose);
            execute(adminUrl, user, password, "CREATE DATABASE " + name);
            created.add(name);
            return new Connection(replaceDatabase(adminUrl, name), user, password);
        }

        Connection named(String name) {
            boolean exists;
            try (java.sql.Connection c = DriverManager.getConnection(adminUrl, user, password);
                    java.sql.PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                s.setString(1, name);
                try (ResultSet rs = s.executeQuery()) {
                    exists = rs.next();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot reach " + adminUrl + ": " + e.getMessage(), e);
            }
            if (!exists) {
                execute(adminUrl, user, password, "CREATE DATABASE " + name);
            }
            return new Connection(replaceDatabase(adminUrl, name), user, password);
        }

        @Override
        public void dropAll(List<String> created) {
            for (String name : created) {
                execute(adminUrl, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }

        private void sweepAbandoned() {
            long cutoff = Instant.now().minus(ABANDONED_AFTER).getEpochSecond();
            List<String> abandoned = new ArrayList<>();
            try (java.sql.Connection c = DriverManager.getConnection(adminUrl, user, password);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT datname FROM pg_database WHERE datname LIKE '" + DATABASE_PREFIX + "%'")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String[] parts = name.substring(DATABASE_PREFIX.length()).split("_");
                    if (parts.length > 0 && parts[0].matches("\\d+") && Long.parseLong(parts[0]) < cutoff) {
                        abandoned.add(name);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Cannot reach the PostgreSQL server named by " + URL_VARIABLE + " (" + adminUrl + "): "
                                + e.getMessage(),
                        e);
            }
            abandoned.forEach(
                    name -> execute(adminUrl, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
        }
    }

    static String uniqueName(String purpose) {
        String safePurpose = purpose.toLowerCase().replaceAll("[^a-z0-9]", "");
        return DATABASE_PREFIX + Instant.now().getEpochSecond() + "_" + safePurpose + "_"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    static String replaceDatabase(String jdbcUrl, String database) {
        // jdbc:postgresql://host:port/db?params -> same URL naming the new database
        int slash = jdbcUrl.indexOf('/', "jdbc:postgresql://".length());
        if (slash < 0) {
            throw new IllegalArgumentException("Not a PostgreSQL JDBC URL with a database: " + jdbcUrl);
        }
        int query = jdbcUrl.indexOf('?', slash);
        return jdbcUrl.substring(0, slash + 1) + database + (query < 0 ? "" : jdbcUrl.substring(query));
    }

    private static void execute(String url, String user, String password, String sql) {
        try (java.sql.Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "PostgreSQL for tests failed on '" + sql + "' at " + url + ": " + e.getMessage(), e);
        }
    }
}
