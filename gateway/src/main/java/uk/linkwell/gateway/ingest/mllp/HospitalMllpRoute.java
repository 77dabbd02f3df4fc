package uk.linkwell.gateway.ingest.mllp;

import java.net.SocketAddress;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.netty.NettyConstants;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The HL7 v2 MLLP listener on {@code linkwell.hospital.mllp.port}: hospital ADT and GP referrals (REF^I12), in
 * plain TCP or, with {@code linkwell.hospital.mllp.tls.enabled}, TLS. Thin: each framed message goes with its
 * source address to {@link MllpReception}, which stores it and answers with the ACK sent back on the same
 * connection. A message over the size limit is answered AR from its first bytes and its connection closed
 * ({@link MllpFrameDecoder}); a connection silent for {@code idle-timeout} is closed.
 */
// camel-netty with camel-hl7's MLLP encoder and our own decoder: camel-mllp 4.18 is not in the Maven repository this
// build uses.
@Component
@ConditionalOnProperty(prefix = "linkwell.hospital.mllp", name = "enabled", matchIfMissing = true)
public class HospitalMllpRoute extends RouteBuilder {

    public static final String ROUTE_ID = "hospital-mllp";

    private final MllpReception reception;
    private final MllpProperties properties;

    public HospitalMllpRoute(MllpReception reception, MllpProperties properties) {
        this.reception = reception;
        this.properties = properties;
    }

    @Override
    public void configure() {
        // Before the listener exists: the first sender after a start gets its ACK without waiting for class loading.
        reception.warmUp();
        String tls = properties.tls().enabled()
                ? "&ssl=true&sslContextParameters=#" + MllpTls.CONTEXT_BEAN + "&serverInitializerFactory=#"
                        + MllpTls.INITIALIZER_BEAN
                : "";
        // Reception answers every message itself (AA, AR or AE); anything that escapes it here was not stored, so
        // the sender is told to send it again, and the connection stays usable.
        onException(Exception.class).handled(true).process(exchange -> {
            Message message = exchange.getMessage();
            byte[] bytes = message.getBody() instanceof MllpFrameDecoder.Oversized oversized
                    ? oversized.head()
                    : message.getBody(byte[].class);
            message.setBody(
                    reception.notStored(bytes, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)));
        });
        from("netty:tcp://{{linkwell.hospital.mllp.host:0.0.0.0}}:{{linkwell.hospital.mllp.port:2575}}"
                        + "?sync=true&keepAlive=true&reuseAddress=true"
                        + "&decoders=#hospitalMllpIdleTimeout,#hospitalMllpDecoder&encoders=#hospitalMllpEncoder"
                        + "&exceptionHandler=#" + MllpConnectionErrors.BEAN + tls)
                .routeId(ROUTE_ID)
                .process(exchange -> {
                    Message message = exchange.getMessage();
                    SocketAddress remote = message.getHeader(NettyConstants.NETTY_REMOTE_ADDRESS, SocketAddress.class);
                    if (message.getBody() instanceof MllpFrameDecoder.Oversized oversized) {
                        message.setBody(reception.receiveOversized(oversized.head(), oversized.bytesRead(), remote));
                        // The rest of that frame is never read: the AR is the last thing on this connection.
                        message.setHeader(NettyConstants.NETTY_CLOSE_CHANNEL_WHEN_COMPLETE, true);
                    } else {
                        message.setBody(reception.receive(message.getBody(byte[].class), remote));
                    }
                });
    }
}
