package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import uk.linkwell.gateway.ingest.mllp.HospitalMllpRoute;

/**
 * The MLLP route's own error handling: a failure that escapes reception (here one injected into the running route
 * with Camel's AdviceWith) answers AE "send it again", stores nothing, and the same connection still takes the
 * next message. The context is thrown away afterwards, as the route was changed.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class MllpRouteErrorHandlingTest extends HospitalIngestTestBase {

    @Autowired
    CamelContext camel;

    @Test
    void aFailureInTheRouteAnswersAeAndStoresNothing() throws Exception {
        AdviceWith.adviceWith(camel, HospitalMllpRoute.ROUTE_ID, route -> route.weaveAddFirst()
                .filter(exchange -> new String(exchange.getMessage().getBody(byte[].class)).contains("FAILHERE"))
                .throwException(new IllegalStateException("injected")));
        String failing = "FAILHERE" + AdtMessages.controlId().substring(1, 9);
        String ack = send(AdtMessages.admit(AdtMessages.Visit.fresh(), failing));

        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AE");
        assertThat(ack).contains("MSA|AE|" + failing).contains("send it again");
        assertThat(rowCount(failing)).isZero();

        // Sent again (as a sender does on AE), the message is stored and acknowledged.
        String next = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(AdtMessages.admit(AdtMessages.Visit.fresh(), next))))
                .isEqualTo("AA");
        assertThat(rowCount(next)).isEqualTo(1);
    }
}
