package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import uk.linkwell.mappings.NhsNumber;

/**
 * Reads one case event: JSON syntax, then the envelope checked by hand (so the commonest mistakes get a
 * precise reason), then the whole event against the published JSON Schema. Thread-safe.
 */
final class CaseEventReader {

    static final String SCHEMA_RESOURCE = "/socialcare/schema/case-event-v1.schema.json";
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern RFC3339 =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");

    private final ObjectMapper json = new ObjectMapper();
    private final Schema schema;

    CaseEventReader() {
        try (InputStream in = CaseEventReader.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema missing from the classpath: " + SCHEMA_RESOURCE);
            }
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    CaseEvent read(String text) throws CaseEventException {
        JsonNode root;
        try {
            root = json.readTree(text == null ? "" : text);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the input, so only the position travels on.
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new CaseEventException("", "malformed JSON (line " + line + ")");
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new CaseEventException("", "an event must be a JSON object");
        }
        String version = text(root, "schemaVersion");
        if (!"1".equals(version)) {
            throw new CaseEventException(
                    "/schemaVersion", version.isEmpty() ? "required" : "unknown schema version (supported: \"1\")");
        }
        CaseEventType type = CaseEventType.of(text(root, "eventType"))
                .orElseThrow(() -> new CaseEventException(
                        "/eventType", text(root, "eventType").isEmpty() ? "required" : "unknown event type"));
        String eventId = text(root, "eventId");
        if (!UUID.matcher(eventId).matches()) {
            throw new CaseEventException("/eventId", eventId.isEmpty() ? "required" : "must be a UUID");
        }
        OffsetDateTime occurredAt = occurredAt(text(root, "occurredAt"));
        JsonNode person = root.path("person");
        String laPersonId = blankToNull(text(person, "laPersonId"));
        String nhsNumber = blankToNull(text(person, "nhsNumber"));
        if (laPersonId == null && nhsNumber == null) {
            throw new CaseEventException("/person", "needs an NHS number or a local-authority person id (or both)");
        }
        if (nhsNumber != null && !NhsNumber.isValid(nhsNumber)) {
            throw new CaseEventException(
                    "/person/nhsNumber",
                    NhsNumber.normalise(nhsNumber) == null ? "must be ten digits" : "fails the Modulus 11 check");
        }
        List<Error> errors = schema.validate(root);
        if (!errors.isEmpty()) {
            // The deepest error names the field most precisely; networknt's own text may quote values.
            Error first = errors.stream()
                    .max(Comparator.comparingInt(e -> e.getInstanceLocation().getNameCount()))
                    .orElseThrow();
            String pointer = pointer(first.getInstanceLocation());
            if (first.getProperty() != null && "required".equals(first.getKeyword())) {
                pointer = pointer + "/" + first.getProperty();
            }
            throw new CaseEventException(pointer, "fails the schema rule '" + first.getKeyword() + "'");
        }
        return new CaseEvent(
                eventId.toLowerCase(java.util.Locale.ROOT),
                type,
                occurredAt,
                text(root, "localAuthority"),
                laPersonId,
                nhsNumber,
                text(root, "caseReference"),
                root.path("body"));
    }

    private static OffsetDateTime occurredAt(String value) throws CaseEventException {
        if (value.isEmpty()) {
            throw new CaseEventException("/occurredAt", "required");
        }
        try {
            if (!RFC3339.matcher(value).matches()) {
                throw new DateTimeParseException("not RFC 3339", value, 0);
            }
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw new CaseEventException("/occurredAt", "must be an RFC 3339 date-time with an offset");
        }
    }

    static String pointer(NodePath path) {
        StringBuilder pointer = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            pointer.append('/')
                    .append(String.valueOf(element).replace("~", "~0").replace("/", "~1"));
        }
        return pointer.toString();
    }

    private static String text(JsonNode parent, String field) {
        JsonNode node = parent == null ? null : parent.get(field);
        return node == null || node.isNull() || node.isContainerNode() ? "" : node.asText();
    }

    private static String blankToNull(String value) {
        return value.isBlank() ? null : value;
    }
}
