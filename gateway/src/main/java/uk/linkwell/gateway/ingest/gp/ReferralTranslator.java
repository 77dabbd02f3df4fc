package uk.linkwell.gateway.ingest.gp;

import org.hl7.fhir.r4.model.Bundle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.InboundTranslator;
import uk.linkwell.gateway.ingest.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.FieldOrigins;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;
import uk.linkwell.mappings.hl7v2.ReferralMapper;

/** Translates stored GP referrals (REF^I12) with the referral mapper, for the ingest worker. */
@Component
public class ReferralTranslator implements InboundTranslator {

    private final ReferralMapper mapper;

    public ReferralTranslator(ReferralMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String source() {
        return ReferralReception.SOURCE;
    }

    @Override
    public Bundle translate(InboundMessage message) throws UnprocessableMessageException {
        try {
            // The receipt time fixes the Task's due date, so a reprocessed referral keeps the one it was given.
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
        return FieldOrigins.referral(element).orElse(null);
    }
}
