package uk.linkwell.gateway.exchange;

import java.time.Instant;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;

/**
 * One outbound channel (an {@code Endpoint.connectionType}): puts what the consent engine let through into the
 * channel's protocol, sends it to the Endpoint's address and says how the receiver answered. Consent, settling the
 * outbox row, counting and audit are {@link OutboxSender}'s, the same for every channel.
 */
public interface ChannelSender {

    /** The connection-type code this sender speaks (see {@link Channels}). */
    String channel();

    /**
     * Why this delivery cannot go over the channel at all (a missing secret, an event the channel cannot express),
     * asked before anything is read: the delivery is dead at once with this reason. Empty when it can go.
     */
    default Optional<String> cannotSend(Delivery delivery) {
        return Optional.empty();
    }

    /**
     * Sends the permitted resources (a collection Bundle: the focus that may leave, then the person's record when
     * it may) and returns the receiver's answer. An exception is a transient failure (tried again after the
     * backoff).
     */
    ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) throws Exception;
}
