package uk.linkwell.gateway.ingest.hospital;

import org.hl7.fhir.r4.model.Bundle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.InboundTranslator;
import uk.linkwell.gateway.ingest.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.FieldOrigins;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/** Translates stored hospital ADT messages with the ADT mapper, for the ingest worker. */
@Component
public class AdtTranslator implements InboundTranslator {

    private final AdtMapper mapper;

    public AdtTranslator(AdtMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String source() {
        return AdtReception.SOURCE;
    }

    /** The ADT mapper is a pure function of the message: safe to translate again after a failed group. */
    @Override
    public boolean appliesInGroups() {
        return true;
    }

    @Override
    public Bundle translate(InboundMessage message) throws UnprocessableMessageException {
        try {
            return mapper.map(
                    message.getBody(),
                    new MappingContext("inbound-message-" + message.getId(), message.getReceivedAt()));
        } catch (Hl7MappingException e) {
            // The mapper's messages name positions, never values: safe to keep.
            throw new UnprocessableMessageException(e.getMessage());
        }
    }

    @Override
    public String origin(String element) {
        return FieldOrigins.adt(element).orElse(null);
    }
}
