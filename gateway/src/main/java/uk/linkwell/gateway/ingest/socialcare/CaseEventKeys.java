package uk.linkwell.gateway.ingest.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;

/**
 * What the gateway needs to keep a checked case event in order: the store's ordering key (one person of one
 * council, so their events are applied one at a time) and the <em>ownership key</em>, which names the resources
 * the event owns (its type, case and item), so the newer of two events that write the same resources wins.
 *
 * @param orderingKey {@code socialcare:} and a SHA-256 digest of council and person, so no NHS number is kept in clear
 * @param ownershipKey council, person, ownership group, case reference (for case-level resources) and item id
 * @param sameOwnerTypes the event types that write the same resources as this one (itself, or both referral decisions)
 */
record CaseEventKeys(
        String eventType,
        String localAuthority,
        String orderingKey,
        String ownershipKey,
        List<String> sameOwnerTypes,
        Instant occurredAt) {

    /** Reads the keys of an event the mapper has accepted (so the fields it needs are present and well formed). */
    static CaseEventKeys of(JsonNode event) {
        String type = text(event, "eventType");
        String la = text(event, "localAuthority");
        JsonNode person = event.path("person");
        String laPersonId = text(person, "laPersonId");
        // The mapper's own person identity: the council's id, else the NHS number.
        String personKey = laPersonId.isEmpty() ? "nhs-" + text(person, "nhsNumber") : laPersonId;
        String caseRef = text(event, "caseReference");
        JsonNode body = event.path("body");
        List<String> types = List.of(type);
        String owner =
                switch (type) {
                        // Both decide the referral (they own its Task): the later decision wins, whichever arrives
                        // last.
                    case "referral-accepted", "referral-declined" -> {
                        types = List.of("referral-accepted", "referral-declined");
                        yield "referral-decision|" + caseRef;
                    }
                    case "assessment-completed" -> type + "|" + caseRef + "|" + text(body, "assessmentId");
                    case "review-scheduled", "review-completed" -> type + "|" + caseRef + "|" + text(body, "reviewId");
                    case "safeguarding-enquiry-opened", "safeguarding-enquiry-closed" -> type + "|" + caseRef + "|"
                            + text(body, "enquiryId");
                    case "carer-breakdown" -> type + "|" + caseRef + "|" + text(body, "breakdownId");
                    case "change-of-circumstances" -> type + "|" + caseRef + "|" + text(body, "changeId");
                        // A carer belongs to the person, whichever case named them.
                    case "carer-identified" -> type + "||" + text(body, "carerId");
                    default -> type + "|" + caseRef;
                };
        return new CaseEventKeys(
                type,
                la,
                "socialcare:" + digest(la + "|" + personKey),
                la + "|" + personKey + "|" + owner,
                types,
                occurredAt(text(event, "occurredAt")));
    }

    private static Instant occurredAt(String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node == null || node.isNull() || node.isContainerNode() ? "" : node.asText();
    }

    private static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
