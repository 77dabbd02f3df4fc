package uk.linkwell.gateway.hapi;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps PostgreSQL's planner statistics up with the tables inbound work grows (CLD batches, the message worker
 * applying ADT and referrals), as a bulk loader should.
 * <p>
 * A batch, or a busy feed into a new database, can multiply the size of HAPI's tables within minutes. Until a
 * table is analysed again, the planner still plans for its old size, and on a table never analysed (a new
 * database) it guesses. The guess that mattered: HAPI resolves a Bundle's create-if-absent entries with one
 * {@code HASH_SYS_AND_VALUE IN (...)} query on {@code HFJ_SPIDX_TOKEN}, and without statistics PostgreSQL scanned
 * the whole table for it, so every Bundle cost more than the one before. Autovacuum analyses a table once a tenth
 * of it has changed, but only where it is on (it is not on every server) and only once a minute at best.
 * <p>
 * So between chunks (and between the worker's claims), every few seconds at most, it analyses those of the tables
 * the inbound statements read ({@link #TABLES}) that have grown by more than their size (and by more than a
 * thousand rows) since they were last analysed: each analysis doubles the bar for the next, so a table is
 * analysed about ten times for a 100,000-row file, each time a few hundred milliseconds of PostgreSQL's time. The
 * tables HAPI only writes to are left alone (analysing them all cost a fifth of the database's time and bought
 * nothing). A table autovacuum keeps up with is never due, nor is one the gateway's database role does not own.
 * On H2 it does nothing.
 */
@Component
public class PlannerStatistics implements StoreStatistics {

    private static final Logger log = LoggerFactory.getLogger(PlannerStatistics.class);

    /**
     * The tables whose statistics the inbound statements depend on: HAPI's create-if-absent and conditional-update
     * lookups join HFJ_SPIDX_TOKEN to HFJ_RESOURCE, reference targets are resolved in HFJ_RESOURCE, and the worker
     * claims from LW_INBOUND_MESSAGE by status.
     */
    static final List<String> TABLES = java.util.stream.Stream.concat(
                    HapiTables.LOOKED_UP_BY_INBOUND_WRITES.stream(), java.util.stream.Stream.of("lw_inbound_message"))
            .toList();

    /** The least time between two looks at the statistics (a look is one catalogue query). */
    static final Duration INTERVAL = Duration.ofSeconds(3);

    // format('%I.%I') quotes the names as identifiers; pg_has_role: ANALYZE would skip (with a warning) a table
    // the gateway's role does not own, and it would then be due every time.
    private static final String DUE_SQL =
            """
            SELECT format('%%I.%%I', s.schemaname, s.relname)
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.relname IN (%s)
              AND s.n_mod_since_analyze > 1000 + GREATEST(c.reltuples, 0)
              AND pg_has_role(c.relowner, 'USAGE')
            ORDER BY s.n_mod_since_analyze DESC""";

    private final JdbcTemplate jdbc;
    private final String dueSql;
    private final Object[] tables;
    private final DataSource dataSource;
    private Boolean postgres;
    private long lastLook;
    private boolean looked;
    private boolean warned;

    @Autowired
    public PlannerStatistics(DataSource dataSource) {
        this(dataSource, TABLES);
    }

    PlannerStatistics(DataSource dataSource, List<String> tables) {
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.tables = tables.stream().map(t -> t.toLowerCase(Locale.ROOT)).toArray();
        this.dueSql = DUE_SQL.formatted(String.join(", ", Collections.nCopies(tables.size(), "?")));
    }

    /** Whether the database is PostgreSQL: asked when first needed, and again while it cannot be reached. */
    private boolean isPostgres() {
        if (postgres == null) {
            try (Connection c = dataSource.getConnection()) {
                postgres = "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
            } catch (SQLException e) {
                return false;
            }
        }
        return postgres;
    }

    /** Analyses the tables that have doubled since last analysed; returns them. Never fails the caller. */
    @Override
    public synchronized List<String> refreshIfDue() {
        long now = System.nanoTime();
        if ((looked && now - lastLook < INTERVAL.toNanos()) || !isPostgres()) {
            return List.of();
        }
        looked = true;
        lastLook = now;
        try {
            List<String> due = jdbc.queryForList(dueSql, String.class, tables);
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
                log.warn(
                        "Could not refresh planner statistics (inbound work carries on): {}",
                        e.getMostSpecificCause().getMessage());
            }
            return List.of();
        }
    }
}
