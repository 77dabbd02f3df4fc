package uk.linkwell.gateway.ingest.socialcare.batch;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps PostgreSQL's planner statistics up with the tables a batch grows, as a bulk loader should.
 * <p>
 * A batch can multiply the size of HAPI's tables within minutes. Until a table is analysed again, the planner
 * still plans for its old size, and on a table never analysed (a new database) it guesses. The guess that
 * mattered: HAPI resolves a Bundle's create-if-absent entries with one {@code HASH_SYS_AND_VALUE IN (...)} query
 * on {@code HFJ_SPIDX_TOKEN}, and without statistics PostgreSQL scanned the whole table for it, so every Bundle
 * cost more than the one before. Autovacuum analyses a table once a tenth of it has changed, but only where it is
 * on (it is not on every server) and only once a minute at best.
 * <p>
 * So between chunks, every few seconds at most, the batch analyses the tables of the current schema that it may
 * analyse (owned by the gateway's database role) and that have changed by more than half (and by more than a
 * thousand rows) since they were last analysed: a handful of times per table for a whole file, since each
 * analysis raises the bar for the next. Tables that autovacuum keeps up with are never due. On H2 it does nothing.
 */
@Component
public class PlannerStatistics {

    private static final Logger log = LoggerFactory.getLogger(PlannerStatistics.class);

    /** The least time between two looks at the statistics (a look is one catalogue query). */
    static final Duration INTERVAL = Duration.ofSeconds(3);

    // format('%I.%I') quotes the names as identifiers; pg_has_role: ANALYZE would skip (with a warning) a table
    // the gateway's role does not own, and it would then be due every time.
    private static final String DUE_SQL = """
            SELECT format('%I.%I', s.schemaname, s.relname)
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema()
              AND s.n_mod_since_analyze > 1000 + 0.5 * GREATEST(c.reltuples, 0)
              AND pg_has_role(c.relowner, 'USAGE')
            ORDER BY s.n_mod_since_analyze DESC""";

    private final JdbcTemplate jdbc;
    private final boolean postgres;
    private long lastLook;
    private boolean looked;
    private boolean warned;

    public PlannerStatistics(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.postgres = isPostgres(dataSource);
    }

    private static boolean isPostgres(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            return false;
        }
    }

    /** Analyses the tables that have grown by half since last analysed; returns them. Never fails the caller. */
    public synchronized List<String> refreshIfDue() {
        long now = System.nanoTime();
        if (!postgres || (looked && now - lastLook < INTERVAL.toNanos())) {
            return List.of();
        }
        looked = true;
        lastLook = now;
        try {
            List<String> due = jdbc.queryForList(DUE_SQL, String.class);
            for (String table : due) {
                jdbc.execute("ANALYZE " + table);
            }
            if (!due.isEmpty()) {
                log.debug("Planner statistics refreshed for {}", due);
            }
            return due;
        } catch (DataAccessException e) {
            if (!warned) {
                warned = true;
                log.warn("Could not refresh planner statistics (the batch carries on): {}",
                        e.getMostSpecificCause().getMessage());
            }
            return List.of();
        }
    }
}
