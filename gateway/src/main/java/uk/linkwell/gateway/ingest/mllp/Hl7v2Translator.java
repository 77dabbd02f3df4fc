package uk.linkwell.gateway.ingest.mllp;

import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.gateway.ingest.queue.InboundTranslator;
import uk.linkwell.gateway.ingest.queue.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/** Translates the stored HL7 v2 messages of one MLLP source with its mapper, for the ingest worker. */
public abstract class Hl7v2Translator implements InboundTranslator {

    private final String source;
    private final Hl7v2Mapping mapping;
    private final Function<String, Optional<String>> origins;

    /** {@code origins} names the field of the message an element of the written resources comes from. */
    protected Hl7v2Translator(String source, Hl7v2Mapping mapping, Function<String, Optional<String>> origins) {
        this.source = source;
        this.mapping = mapping;
        this.origins = origins;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Bundle translate(InboundMessage message) throws UnprocessableMessageException {
        try {
            // The receipt time is the mapping's "now" (a referral's Task due date): a reprocessed message keeps it.
            return mapping.map(
                    message.getBody(),
                    new MappingContext("inbound-message-" + message.getId(), message.getReceivedAt()));
        } catch (Hl7MappingException e) {
            // The mapper's messages name positions, never values: safe to keep.
            throw new UnprocessableMessageException(e.getMessage());
        }
    }

    @Override
    public String origin(String element) {
        return origins.apply(element).orElse(null);
    }
}
