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
     * Waits (up to {@code timeout}) until no batch2 job is queued or running, then runs {@link #analyze} (not with
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
        }
        analyze(db);
    }

    /**
     * Runs ANALYZE (not with {@code -Dbench.skip-analyze=true}), as autovacuum would once tables have grown. Call it
     * again after the warm-up: HAPI stores every search ({@code HFJ_SEARCH}, its includes and results), and those
     * tables were empty at {@link #settle}. The gateway that warmed up first cached its prepared statements' generic
     * plans while they were nearly empty (sequential scans) and kept them as they grew, with nothing to analyse them:
     * its HAPI search bookkeeping then cost 2.5 ms a query against 0.03 ms for the gateway that warmed up second
     * ({@code pg_stat_statements}, the consent benchmark). ANALYZE invalidates those plans in both.
     */
    public static void analyze(PostgresTestDatabase.Connection db) throws Exception {
        if (Boolean.getBoolean("bench.skip-analyze")) {
            return;
        }
        try (java.sql.Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
                Statement s = c.createStatement()) {
            s.execute("ANALYZE");
        }
    }

    /** Load on one gateway for a given time. */
    @FunctionalInterface
    public interface Load {
        void run(long millis) throws Exception;
    }

    /**
     * Warms two gateways for {@code millis} each in two halves around {@link #analyze} (the warm-up's searches grew
     * HAPI's search tables from empty), the second half in the reverse order: both then start the measured rounds
     * planned against the same statistics and equally recently warmed. After a one-piece warm-up and ANALYZE the
     * first round pair had come out as an outlier in both gateway-against-gateway benchmarks.
     */
    public static void warmUp(PostgresTestDatabase.Connection db, Load first, Load second, long millis)
            throws Exception {
        first.run(millis / 2);
        second.run(millis / 2);
        analyze(db);
        second.run(millis / 2);
        first.run(millis / 2);
    }
}
