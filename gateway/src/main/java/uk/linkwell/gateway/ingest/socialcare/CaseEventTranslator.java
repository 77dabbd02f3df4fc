package uk.linkwell.gateway.ingest.socialcare;

import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.InboundTranslator;
import uk.linkwell.gateway.ingest.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.socialcare.CaseEventException;
import uk.linkwell.mappings.socialcare.CaseEventMapper;

/**
 * Translates stored social-care case events with the case event mapper, for the ingest worker. An event older
 * (by {@code occurredAt}) than one already applied that owns the same resources translates to an empty
 * transaction: the message is marked done without writing anything, so the newer state stays.
 */
@Component
public class CaseEventTranslator implements InboundTranslator {

    private static final Logger log = LoggerFactory.getLogger(CaseEventTranslator.class);

    private final CaseEventMapper mapper;
    private final CaseEventHistory history;

    public CaseEventTranslator(CaseEventMapper mapper, CaseEventHistory history) {
        this.mapper = mapper;
        this.history = history;
    }

    @Override
    public String source() {
        return CaseEventReception.SOURCE;
    }

    @Override
    public Bundle translate(InboundMessage message) throws UnprocessableMessageException {
        Bundle bundle;
        try {
            bundle = mapper.map(
                    message.getBody(),
                    new MappingContext("inbound-message-" + message.getId(), message.getReceivedAt()));
        } catch (CaseEventException e) {
            // The mapper's messages name fields and rules, never values: safe to keep.
            throw new UnprocessableMessageException(e.getMessage());
        }
        CaseEventKeys keys = history.keysOf(message.getBody());
        Optional<Long> newer = keys == null ? Optional.empty() : history.newerApplied(message.getId(), keys);
        if (newer.isPresent()) {
            log.info(
                    "Social-care event message {} (event id {}) superseded by the later event in message {}: "
                            + "not applied",
                    message.getId(),
                    message.getControlId(),
                    newer.get());
            Bundle nothing = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            nothing.setId(bundle.getId());
            nothing.setIdentifier(bundle.getIdentifier());
            return nothing;
        }
        return bundle;
    }

    @Override
    public String senderDisplay(InboundMessage message) {
        return "local authority " + message.getSender() + " (social-care case events)";
    }

    /** The person's NHS number is the one field a case event's resources share; the rest is the event's body. */
    @Override
    public String origin(String element) {
        return element != null && element.startsWith("Patient.identifier") ? "/person/nhsNumber" : "/body";
    }
}
