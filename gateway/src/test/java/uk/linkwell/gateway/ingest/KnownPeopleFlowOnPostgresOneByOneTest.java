package uk.linkwell.gateway.ingest;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;

/** {@link KnownPeopleFlow} with every message in a transaction of its own, on PostgreSQL. */
@ExtendWith(PostgresDatabaseExtension.class)
class KnownPeopleFlowOnPostgresOneByOneTest extends KnownPeopleFlow {

    @Override
    GatewayInstance start(Map<String, String> settings) {
        return GatewayInstance.onPostgres("known-people-1", settings);
    }

    @Override
    int applyBatchSize() {
        return 1;
    }
}
