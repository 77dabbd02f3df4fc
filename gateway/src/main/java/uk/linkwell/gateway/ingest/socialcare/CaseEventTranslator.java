package uk.linkwell.gateway.ingest.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.queue.InboundTranslator;
import uk.linkwell.gateway.ingest.queue.UnmatchedMessageException;
import uk.linkwell.gateway.ingest.queue.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.socialcare.CaseEventException;
import uk.linkwell.mappings.socialcare.CaseEventMapper;

/**
 * Translates stored social-care case events with the case event mapper, for the ingest worker. An event about a
 * person the gateway does not know, or with whom the sending council has no relationship ({@link
 * CouncilRelationships}), is set aside as unmatched rather than applied: a council's case only comes from
 * events about people it has a legitimate relationship with. An event older (by {@code occurredAt}) than one
 * already applied that owns the same resources translates to an empty transaction: the message is marked done
 * without writing anything, so the newer state stays.
 */
@Component
public class CaseEventTranslator implements InboundTranslator {

    private static final Logger log = LoggerFactory.getLogger(CaseEventTranslator.class);

    private final CaseEventMapper mapper;
    private final CaseEventHistory history;
    private final CouncilRelationships relationships;
    private final ObjectMapper json = new ObjectMapper();

    public CaseEventTranslator(CaseEventMapper mapper, CaseEventHistory history, CouncilRelationships relationships) {
        this.mapper = mapper;
        this.history = history;
        this.relationships = relationships;
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
        // Judged here, when it is applied, not at reception: the relationship may have come (a discharge follow-up
        // arriving later) or gone since, and the sender's answer was the same either way.
        matchToCouncil(message);
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

    /** Sets the event aside unless its person is known and the council has a relationship with them. */
    private void matchToCouncil(InboundMessage message) throws UnmatchedMessageException {
        JsonNode event;
        try {
            event = json.readTree(message.getBody());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the mapper has just read it
        }
        String council = event.path("localAuthority").asText();
        JsonNode person = event.path("person");
        String nhsNumber = person.path("nhsNumber").asText("");
        // The mapper's person: by NHS number, else by the council's own person id.
        CouncilRelationships.Finding finding = nhsNumber.isEmpty()
                ? relationships.between(
                        council,
                        CouncilRelationships.LA_PERSON_SYSTEM_PREFIX + council,
                        person.path("laPersonId").asText())
                : relationships.between(council, CouncilRelationships.NHS_NUMBER_SYSTEM, nhsNumber);
        if (!finding.personKnown()) {
            throw new UnmatchedMessageException("no Patient with this "
                    + (nhsNumber.isEmpty() ? "local-authority person id" : "NHS number")
                    + " is known to the gateway: parked for matching (case events never create a Patient); once the"
                    + " Patient exists and council " + council + " has a relationship with them, reprocess it");
        }
        if (!finding.related()) {
            throw new UnmatchedMessageException("no relationship between council " + council
                    + " and this person: parked for matching; it needs an EpisodeOfCare managed by, or a referral or"
                    + " task addressed by another organisation to, one of "
                    + String.join(", ", relationships.codesOf(council))
                    + "; reprocess it once there is one");
        }
        log.debug(
                "Social-care event message {}: council {} has a relationship with the person through {}",
                message.getId(),
                council,
                finding.via());
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
