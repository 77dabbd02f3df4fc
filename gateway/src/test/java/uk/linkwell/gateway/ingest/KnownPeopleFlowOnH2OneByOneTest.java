package uk.linkwell.gateway.ingest;

import java.util.Map;
import uk.linkwell.gateway.testsupport.GatewayInstance;

/** {@link KnownPeopleFlow} with every message in a transaction of its own, on the embedded H2 default. */
class KnownPeopleFlowOnH2OneByOneTest extends KnownPeopleFlow {

    @Override
    GatewayInstance start(Map<String, String> settings) {
        return GatewayInstance.onH2(settings);
    }

    @Override
    int applyBatchSize() {
        return 1;
    }
}
