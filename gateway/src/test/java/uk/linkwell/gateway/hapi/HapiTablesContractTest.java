package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import ca.uhn.fhir.jpa.model.entity.ResourceLink;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import jakarta.persistence.Table;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link HapiTables} with HAPI's schema: every statement runs on the tables HAPI created, with the
 * columns it reads; the tables whose statistics matter exist; and the text HAPI's entities name their tables by
 * is recognised as schema text.
 */
class HapiTablesContractTest extends GatewayIntegrationTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void everyStatementRunsOnHapisSchema() {
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        assertThat(named.queryForList(
                        HapiTables.REGISTERED_AT_SQL,
                        new MapSqlParameterSource("organisations", List.of("(none)")),
                        String.class))
                .isEmpty();
        assertThat(jdbc.queryForList(HapiTables.CONSENTS_OF_PATIENT_SQL, "(none)"))
                .isEmpty();
        assertThat(named.queryForList(HapiTables.INDEX_ROWS_SQL, new MapSqlParameterSource("hashes", List.of(0L))))
                .isEmpty();
        assertThat(named.queryForList(HapiTables.LIVE_RESOURCES_SQL, new MapSqlParameterSource("ids", List.of(-1L))))
                .isEmpty();
    }

    @Test
    void theTablesWhoseStatisticsMatterAreHapis() {
        for (String table : HapiTables.LOOKED_UP_BY_INBOUND_WRITES) {
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM pg_class WHERE relname = ? AND relkind IN ('r', 'p')",
                            Integer.class,
                            table))
                    .as(table)
                    .isEqualTo(1);
        }
        assertThat(HapiTables.LOOKED_UP_BY_INBOUND_WRITES)
                .containsExactlyInAnyOrder(
                        tableOf(ResourceIndexedSearchParamToken.class).toLowerCase(),
                        tableOf(ResourceTable.class).toLowerCase());
    }

    @Test
    void hapisTableNamesAreSchemaText() {
        for (Class<?> entity : List.of(
                ResourceTable.class,
                ResourceHistoryTable.class,
                ResourceLink.class,
                ResourceIndexedSearchParamToken.class)) {
            String table = tableOf(entity);
            assertThat(HapiTables.isSchemaText("insert into " + table + " (RES_ID) values (?)"))
                    .as(table)
                    .isTrue();
            assertThat(HapiTables.isSchemaText(table.toLowerCase())).isTrue();
        }
        assertThat(HapiTables.isSchemaText("Patient/123 was not found")).isFalse();
        assertThat(HapiTables.isSchemaText(null)).isFalse();
    }

    private static String tableOf(Class<?> entity) {
        return entity.getAnnotation(Table.class).name();
    }
}
