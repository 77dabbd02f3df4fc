package uk.linkwell.gateway.exchange;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * The {@code hl7v2-mllp} channel: the HL7 v2.5.1 message {@link Hl7v2Notifications} builds, sent over MLLP to the
 * Endpoint's {@code mllp://host:port} with Camel's netty component and camel-hl7's MLLP codec (the stack the
 * inbound door listens with). The receiver's original-mode ACK decides: MSA-1 {@code AA} (or {@code CA}) delivers;
 * {@code AE}/{@code CE}, no answer within the response timeout, or an ACK of another message are tried again;
 * {@code AR}/{@code CR} are a refusal. MSA-3 (else the ERR segment's text) is kept as the answer.
 */
public class Hl7v2MllpSender implements ChannelSender {

    static final String ENCODER = "linkwellExchangeMllpEncoder";
    static final String DECODER = "linkwellExchangeMllpDecoder";

    private final Hl7v2Notifications messages;
    private final ProducerTemplate camel;
    private final ExchangeProperties properties;

    public Hl7v2MllpSender(Hl7v2Notifications messages, ProducerTemplate camel, ExchangeProperties properties) {
        this.messages = messages;
        this.camel = camel;
        this.properties = properties;
    }

    @Override
    public String channel() {
        return Channels.HL7V2_MLLP;
    }

    @Override
    public Optional<String> cannotSend(Delivery delivery) {
        if (!Hl7v2Notifications.EVENTS.contains(delivery.getEvent())) {
            return Optional.of("the hl7v2-mllp channel cannot express the event " + delivery.getEvent());
        }
        return address(delivery.getAddress()).isPresent()
                ? Optional.empty()
                : Optional.of("the Endpoint's address is not mllp://host:port");
    }

    @Override
    public ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) {
        String message;
        try {
            message = messages.build(delivery, permitted, now);
        } catch (Hl7v2Notifications.NotExpressible e) {
            return ReceiverAnswer.refused(null, e.getMessage());
        }
        URI target = address(delivery.getAddress()).orElseThrow();
        // One connection per message (disconnect): a receiver that answers badly or late leaves nothing behind for
        // the next delivery. The request timeout bounds how long a silent receiver holds a sender thread.
        String endpoint = "netty:tcp://" + target.getHost() + ":" + target.getPort()
                + "?sync=true&disconnect=true&textline=false"
                + "&encoders=#" + ENCODER + "&decoders=#" + DECODER
                + "&connectTimeout=" + properties.connectTimeout().toMillis()
                + "&requestTimeout=" + properties.responseTimeout().toMillis();
        Exchange answer = camel.send(endpoint, exchange -> exchange.getIn().setBody(message));
        if (answer.getException() != null) {
            return ReceiverAnswer.tryAgain(null, SafeErrorText.of(answer.getException()))
                    .withSent(message.getBytes(StandardCharsets.UTF_8));
        }
        return acknowledgement(answer.getMessage().getBody(String.class), Hl7v2Notifications.controlId(delivery))
                .withSent(message.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads an original- or enhanced-mode ACK to the message with control id {@code controlId}. */
    static ReceiverAnswer acknowledgement(String ack, String controlId) {
        if (ack == null || ack.isBlank()) {
            return ReceiverAnswer.tryAgain(null, "an empty answer instead of an ACK");
        }
        String[] msa = null;
        String[] err = null;
        for (String segment : ack.split("[\r\n]+")) {
            if (segment.startsWith("MSA|")) {
                msa = segment.split("\\|", -1);
            } else if (segment.startsWith("ERR|") && err == null) {
                err = segment.split("\\|", -1);
            }
        }
        if (msa == null || msa.length < 2) {
            return ReceiverAnswer.tryAgain(null, "an answer without an MSA segment");
        }
        String code = msa[1].trim();
        if (msa.length < 3 || msa[2].isBlank()) {
            // MSA-2 is required: an ACK that does not say which message it answers may answer another.
            return ReceiverAnswer.tryAgain(null, "an ACK (" + code + ") without the message control id (MSA-2)");
        }
        if (!msa[2].trim().equals(controlId)) {
            return ReceiverAnswer.tryAgain(null, "an ACK (" + code + ") of another message (MSA-2)");
        }
        String text = msa.length > 3 && !msa[3].isBlank() ? msa[3] : errorText(err);
        if (text != null) {
            // The receiver's own words may echo the person (an NHS number, a name): masked and kept short, as the
            // delivery row promises no body.
            text = SafeErrorText.mask(text).replaceAll("\\S*\\^\\S*", "…");
            text = text.length() <= 200 ? text : text.substring(0, 200) + "...";
        }
        String account = "MSA-1 " + code + (text == null ? "" : ": " + text);
        return switch (code) {
            case "AA", "CA" -> ReceiverAnswer.accepted(null, account);
            case "AR", "CR" -> ReceiverAnswer.refused(null, account);
            default -> ReceiverAnswer.tryAgain(null, account);
        };
    }

    /**
     * The ERR segment's account: ERR-3's text (e.g. "Required field missing"), with the detail the receiver gave
     * after it: ERR-8 (user message), else ERR-7 (diagnostics), else ERR-3's original text (CWE.9, where HAPI puts
     * it); ERR-1 for an HL7 v2.3-style ERR.
     */
    private static String errorText(String[] err) {
        if (err == null) {
            return null;
        }
        String code = null;
        String detail = field(err, 8);
        if (detail == null) {
            detail = field(err, 7);
        }
        String errorCode = field(err, 3);
        if (errorCode != null) {
            String[] components = errorCode.split("\\^", -1);
            code = components.length > 1 && !components[1].isBlank() ? components[1] : components[0];
            if (detail == null && components.length > 8 && !components[8].isBlank()) {
                detail = components[8];
            }
        } else {
            code = field(err, 1);
        }
        if (code == null) {
            return detail;
        }
        return detail == null ? code : code + " (" + detail + ")";
    }

    private static String field(String[] fields, int index) {
        return fields.length > index && !fields[index].isBlank() ? fields[index] : null;
    }

    /** {@code mllp://host:port} (or {@code tcp://host:port}) as a URI with both. */
    static Optional<URI> address(String address) {
        try {
            URI uri = new URI(address.trim());
            boolean scheme = "mllp".equalsIgnoreCase(uri.getScheme()) || "tcp".equalsIgnoreCase(uri.getScheme());
            return scheme && uri.getHost() != null && uri.getPort() > 0 ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
