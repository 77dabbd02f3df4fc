package uk.linkwell.gateway.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that makes sure the run's PostgreSQL test server is there before a test class
 * starts, and drops every database the run created when the whole test plan ends.
 */
public class PostgresDatabaseExtension implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        PostgresTestDatabase server = PostgresTestDatabase.server();
        context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(
                        PostgresDatabaseExtension.class, key -> new DropOnClose(server), DropOnClose.class);
    }

    /** Closed by JUnit once, after the last test of the run. */
    private record DropOnClose(PostgresTestDatabase server) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            server.dropAll();
        }
    }
}
