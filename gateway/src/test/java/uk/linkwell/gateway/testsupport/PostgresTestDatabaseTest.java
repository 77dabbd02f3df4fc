package uk.linkwell.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresTestDatabaseTest {

    @Test
    void withNeitherDockerNorServerTheTestsFailSayingHowToProvideOne() {
        assertThatThrownBy(() -> PostgresTestDatabase.chooseSource(Map.of(), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("LINKWELL_TEST_PG_URL=jdbc:postgresql://")
                .hasMessageContaining("Docker");
    }

    @Test
    void dockerIsPreferredWhenItAnswers() {
        assertThat(PostgresTestDatabase.chooseSource(
                        Map.of(PostgresTestDatabase.URL_VARIABLE, "jdbc:postgresql://127.0.0.1:5432/postgres"), true))
                .isInstanceOf(PostgresTestDatabase.ContainerSource.class);
    }

    @Test
    void withoutDockerTheNamedServerIsUsed() {
        assertThat(PostgresTestDatabase.chooseSource(
                        Map.of(PostgresTestDatabase.URL_VARIABLE, "jdbc:postgresql://127.0.0.1:5432/postgres"), false))
                .isInstanceOf(PostgresTestDatabase.ServerSource.class);
    }

    @Test
    void databaseNamesAreUniqueAndSafe() {
        String a = PostgresTestDatabase.uniqueName("Shared DB!");
        String b = PostgresTestDatabase.uniqueName("Shared DB!");
        assertThat(a).isNotEqualTo(b).matches("linkwell_test_\\d+_shareddb_[0-9a-f]{8}");
    }

    @Test
    void theNewDatabaseReplacesTheAdminDatabaseInTheUrl() {
        assertThat(PostgresTestDatabase.replaceDatabase("jdbc:postgresql://127.0.0.1:5432/postgres?ssl=false", "x"))
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/x?ssl=false");
        assertThat(PostgresTestDatabase.replaceDatabase("jdbc:postgresql://db/postgres", "y"))
                .isEqualTo("jdbc:postgresql://db/y");
    }

    @Test
    void syntheticNhsNumbersAreInThe999RangeAndPassModulus11() {
        for (int i = 0; i < 50; i++) {
            String n = SyntheticNhsNumbers.next();
            assertThat(n).hasSize(10).startsWith("999");
            assertThat(SyntheticNhsNumbers.checkDigit(n.substring(0, 9))).isEqualTo(n.charAt(9) - '0');
        }
        // A published valid example and its neighbour with a bad check digit.
        assertThat(SyntheticNhsNumbers.checkDigit("943476591")).isEqualTo(9);
    }
}
