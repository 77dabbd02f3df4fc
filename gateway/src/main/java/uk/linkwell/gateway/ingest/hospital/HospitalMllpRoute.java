package uk.linkwell.gateway.ingest.hospital;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The hospital ADT listener: HL7 v2 over MLLP on {@code linkwell.hospital.mllp.port}. Thin: each framed message
 * goes to {@link AdtReception}, which stores it and answers with the ACK sent back on the same connection.
 */
// camel-netty with camel-hl7's MLLP codec: camel-mllp 4.18 is not in the Maven repository this build uses.
@Component
@ConditionalOnProperty(prefix = "linkwell.hospital.mllp", name = "enabled", matchIfMissing = true)
public class HospitalMllpRoute extends RouteBuilder {

    public static final String ROUTE_ID = "hospital-mllp";

    private final AdtReception reception;

    public HospitalMllpRoute(AdtReception reception) {
        this.reception = reception;
    }

    @Override
    public void configure() {
        from("netty:tcp://{{linkwell.hospital.mllp.host:0.0.0.0}}:{{linkwell.hospital.mllp.port:2575}}"
                + "?sync=true&keepAlive=true&reuseAddress=true"
                + "&decoders=#hospitalMllpDecoder&encoders=#hospitalMllpEncoder")
                .routeId(ROUTE_ID)
                .process(exchange -> exchange.getMessage().setBody(
                        reception.receive(exchange.getMessage().getBody(byte[].class))));
    }
}
