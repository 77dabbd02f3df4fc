package uk.linkwell.gateway.ingest;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;

/** {@link KnownPeopleFlow} with apply-batch grouping on, on PostgreSQL. */
@ExtendWith(PostgresDatabaseExtension.class)
class KnownPeopleFlowOnPostgresGroupedTest extends KnownPeopleFlow {

    @Override
    GatewayInstance start(Map<String, String> settings) {
        return GatewayInstance.onPostgres("known-people", settings);
    }

    @Override
    int applyBatchSize() {
        return 10;
    }
}
