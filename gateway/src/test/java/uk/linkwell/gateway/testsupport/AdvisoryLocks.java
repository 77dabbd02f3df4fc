package uk.linkwell.gateway.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Test helper: another database session holding a PostgreSQL advisory lock, as a concurrent writer would. */
public final class AdvisoryLocks {

    private AdvisoryLocks() {}

    /**
     * A connection of its own whose open transaction holds the transaction-scoped lock of {@code key}; closing
     * it (or committing) lets the lock go.
     */
    public static Connection holding(DataSource dataSource, long key) throws SQLException {
        Connection other = dataSource.getConnection();
        other.setAutoCommit(false);
        try (PreparedStatement st = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            st.setLong(1, key);
            st.execute();
        }
        return other;
    }
}
