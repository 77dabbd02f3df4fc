package uk.linkwell.gateway.ingest.queue;

import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.gateway.ingest.store.InboundMessage;

/**
 * Turns one stored message of one source into the FHIR transaction that applies it; one per inbound source, except a
 * source whose messages run as jobs ({@link InboundJob}).
 */
public interface InboundTranslator {

    /** The store's {@code source} value this translator handles, e.g. {@code hospital-mllp}. */
    String source();

    /**
     * The transaction Bundle for the message.
     *
     * @throws UnprocessableMessageException when the message can never be applied as it is (retrying won't help)
     */
    Bundle translate(InboundMessage message) throws UnprocessableMessageException;

    /**
     * Whether the worker may apply this source's messages several to one database transaction. Only for
     * translators without side effects: a failed group is translated and applied again message by message.
     */
    default boolean appliesInGroups() {
        return false;
    }

    /**
     * The field of this source's messages that an element of the written resources comes from (e.g. {@code
     * Encounter.period} from {@code PV1-44/PV1-45}), so a refusal by the store can say what the sender must
     * correct; null where it cannot say.
     */
    default String origin(String element) {
        return null;
    }

    /** Who sent it, as shown in the Provenance agent (no personal data). */
    default String senderDisplay(InboundMessage message) {
        return message.getSender();
    }
}
