package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * The batch keeps PostgreSQL's planner statistics up with the tables it grows: a table that has doubled since
 * it was last analysed (or was never analysed) is analysed, one that has changed little is left alone.
 */
class PlannerStatisticsTest extends GatewayIntegrationTest {

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aTableThatGrewIsAnalysedAndOneThatChangedLittleIsNot() {
        assertThat(PlannerStatistics.TABLES).as("the batch's lookups").contains("hfj_spidx_token", "hfj_resource");
        String table =
                "lw_test_stats_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        jdbc.execute("CREATE TABLE " + table + " (id bigint primary key, v text)");
        PlannerStatistics statistics = new PlannerStatistics(dataSource, List.of(table));
        try {
            jdbc.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 5000) g");
            // A backend reports its table counts a little after it commits: keep looking until they show.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        statistics.refreshIfDue();
                        return reltuples(table) >= 5000;
                    });
            long analysed = analyseCount(table);

            jdbc.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(5001, 5100) g");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> modifiedSinceAnalyse(table) >= 100);
            await().pollDelay(PlannerStatistics.INTERVAL.plusMillis(200))
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> true);
            statistics.refreshIfDue();

            assertThat(analyseCount(table))
                    .as("100 rows on 5,000 is not worth an ANALYZE")
                    .isEqualTo(analysed);
            assertThat(reltuples(table)).isEqualTo(5000);
        } finally {
            jdbc.execute("DROP TABLE " + table);
        }
    }

    private double reltuples(String table) {
        return jdbc.queryForObject("SELECT reltuples FROM pg_class WHERE oid = ?::regclass", Double.class, table);
    }

    private long analyseCount(String table) {
        return jdbc.queryForObject(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relid = ?::regclass", Long.class, table);
    }

    private long modifiedSinceAnalyse(String table) {
        return jdbc.queryForObject(
                "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relid = ?::regclass", Long.class, table);
    }
}
