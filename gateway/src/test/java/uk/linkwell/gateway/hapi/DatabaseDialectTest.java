package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseDialectTest {

    @Test
    void theJdbcUrlChoosesHapisDialect() {
        assertThat(DatabaseDialect.forJdbcUrl("jdbc:postgresql://db:5432/linkwell")
                        .hibernateDialect())
                .isEqualTo("ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect");
        assertThat(DatabaseDialect.forJdbcUrl("jdbc:h2:file:./data/linkwell").hibernateDialect())
                .isEqualTo("ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect");
    }

    @Test
    void anUnsupportedDatabaseIsAClearErrorWithoutItsCredentials() {
        assertThatThrownBy(() -> DatabaseDialect.forJdbcUrl("jdbc:mysql://db/linkwell?password=secret"))
                .hasMessageContaining("PostgreSQL and H2")
                .hasMessageNotContaining("secret");
    }
}
