package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * One checked case event: the envelope's fields and the type-specific body, with typed access to body
 * fields that reports the field's JSON pointer when a value is missing or malformed.
 */
record CaseEvent(
        String eventId,
        CaseEventType type,
        OffsetDateTime occurredAt,
        String localAuthority,
        String laPersonId,
        String nhsNumber,
        String caseReference,
        JsonNode body) {

    /** Text of a body field, or "" when absent. */
    String text(String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? "" : node.asText();
    }

    String requireText(String field) throws CaseEventException {
        String value = text(field);
        if (value.isBlank()) {
            throw new CaseEventException("/body/" + field, "required");
        }
        return value;
    }

    boolean flag(String field) {
        JsonNode node = body.get(field);
        return node != null && node.asBoolean(false);
    }

    /** A body field holding an RFC 3339 full-date. */
    LocalDate date(String field) throws CaseEventException {
        return date(body, "/body", field);
    }

    static LocalDate date(JsonNode parent, String parentPointer, String field) throws CaseEventException {
        JsonNode node = parent.get(field);
        String pointer = parentPointer + "/" + field;
        if (node == null || node.asText().isBlank()) {
            throw new CaseEventException(pointer, "required");
        }
        try {
            return LocalDate.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new CaseEventException(pointer, "must be an RFC 3339 date (YYYY-MM-DD)");
        }
    }

    /** The elements of a body array (empty when absent). */
    List<JsonNode> list(String field) {
        List<JsonNode> items = new ArrayList<>();
        JsonNode node = body.get(field);
        if (node != null && node.isArray()) {
            node.forEach(items::add);
        }
        return items;
    }

    /** Identity of the case across all its events: the person (LA id, else NHS number) and the case reference. */
    String caseKey() {
        return personKey() + ":" + caseReference;
    }

    String personKey() {
        return laPersonId != null ? laPersonId : "nhs-" + nhsNumber;
    }
}
