package uk.linkwell.gateway.health;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** A trivial Camel route proving the integration engine runs in the gateway's context ({@code direct:ping}). */
@Component
public class PingRoute extends RouteBuilder {

    public static final String ENDPOINT = "direct:ping";

    @Override
    public void configure() {
        from(ENDPOINT).routeId("ping").setBody(simple("pong from ${camelContext.name}"));
    }
}
