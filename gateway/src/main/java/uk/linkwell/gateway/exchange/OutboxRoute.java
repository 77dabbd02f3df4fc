package uk.linkwell.gateway.exchange;

import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * The outbound sender's Camel route: a timer every {@code linkwell.exchange.poll-interval} hands over to {@link
 * OutboxSender}, which claims what is due and sends it. Thin: the sender settles every delivery itself (delivered,
 * retried with backoff, dead or withheld), so nothing is redelivered here; anything that escapes it (the database
 * gone) is logged and the next tick tries again, the claims lapsing back to pending.
 */
public class OutboxRoute extends RouteBuilder {

    public static final String ROUTE_ID = "exchange-outbox";

    private static final Logger log = LoggerFactory.getLogger(OutboxRoute.class);

    private final OutboxSender sender;
    private final ExchangeProperties properties;

    public OutboxRoute(OutboxSender sender, ExchangeProperties properties) {
        this.sender = sender;
        this.properties = properties;
    }

    @Override
    public void configure() {
        errorHandler(noErrorHandler());
        onException(Exception.class)
                .handled(true)
                .process(exchange -> log.warn(
                        "Outbox sender stopped short: {}",
                        SafeErrorText.of(
                                exchange.getProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT, Exception.class))));
        // A timer runs its ticks one after another on its own thread; each tick only claims and hands over to the
        // sender's threads, so a slow receiver holds up its own Endpoint's deliveries, not the ticks.
        from("timer:linkwell-exchange-outbox?period="
                        + properties.pollInterval().toMillis() + "&delay="
                        + properties.startDelay().toMillis())
                .routeId(ROUTE_ID)
                .process(exchange -> sender.sendDue());
    }
}
