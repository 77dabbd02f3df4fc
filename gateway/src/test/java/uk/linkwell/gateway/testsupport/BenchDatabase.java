package uk.linkwell.gateway.testsupport;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * Brings a benchmark's freshly seeded database to the state a working server's would be in before anything is
 * measured: HAPI's background jobs (the reindex its start-up SearchParameter writes queue) finished, and planner
 * statistics gathered, as autovacuum would gather them (the CI server runs with autovacuum off, so a fresh
 * database would otherwise be planned as if empty).
 */
public final class BenchDatabase {

    private BenchDatabase() {}

    /**
     * Waits (up to {@code timeout}) until no batch2 job is queued or running, then runs ANALYZE (not with
     * {@code -Dbench.skip-analyze=true}, to compare with a database the planner knows nothing about).
     */
    public static void settle(PostgresTestDatabase.Connection db, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (java.sql.Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM BT2_JOB_INSTANCE "
                        + "WHERE STAT IN ('QUEUED', 'IN_PROGRESS', 'FINALIZE', 'ERRORED')")) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("HAPI background jobs still running after " + timeout);
                }
                Thread.sleep(1000);
            }
            if (!Boolean.getBoolean("bench.skip-analyze")) {
                s.execute("ANALYZE");
            }
        }
    }
}
