package uk.linkwell.mappings.hl7v2;

import ca.uhn.hl7v2.Version;
import java.util.regex.Pattern;

/**
 * Checks the framing and MSH of a decoded message with plain string handling, cheap enough to run
 * before the gateway acknowledges a message; the full parse comes later in the mapper.
 */
final class HeaderReader {

    private static final Pattern SEGMENT_ID = Pattern.compile("[A-Z][A-Z0-9]{2}");

    private HeaderReader() {}

    static AdtMessageHeader read(String text) throws Hl7MappingException {
        Hl7Header header = read(
                text,
                "ADT",
                trigger -> AdtEvent.of(trigger).isPresent(),
                "supported events are A01, A02, A03, A08, A11, A13 and A40");
        return new AdtMessageHeader(
                header.messageType(),
                AdtEvent.of(header.triggerEvent()).orElseThrow(),
                header.controlId(),
                header.sendingApplication(),
                header.sendingFacility(),
                header.receivingApplication(),
                header.receivingFacility(),
                header.version(),
                header.fieldSeparator(),
                header.encodingCharacters());
    }

    /**
     * The same framing and MSH checks for any message type: {@code messageType} is the one accepted (200
     * otherwise), {@code supportedEvent} decides the trigger events (201 otherwise, with {@code supportedText}).
     */
    static Hl7Header read(
            String text, String messageType, java.util.function.Predicate<String> supportedEvent, String supportedText)
            throws Hl7MappingException {
        if (text.isEmpty()) {
            throw error(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, Hl7ErrorLocation.segment("MSH"), "empty message");
        }
        if (!text.startsWith("MSH")) {
            throw error(
                    Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                    Hl7ErrorLocation.segment("MSH"),
                    "message does not start with an MSH segment");
        }
        if (text.length() < 4) {
            throw error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    Hl7ErrorLocation.field("MSH", 1),
                    "MSH is truncated before its field separator");
        }
        char fieldSeparator = text.charAt(3);
        if (Character.isLetterOrDigit(fieldSeparator) || Character.isWhitespace(fieldSeparator)) {
            throw error(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    Hl7ErrorLocation.field("MSH", 1),
                    "field separator must not be a letter, digit or white space");
        }
        String[] segments = text.split("\r");
        String[] msh = split(segments[0], fieldSeparator);
        String encoding = msh.length > 1 ? msh[1] : "";
        checkEncodingCharacters(encoding, fieldSeparator);
        char component = encoding.charAt(0);
        char repetition = encoding.charAt(1);
        checkSegmentFraming(segments, fieldSeparator);

        String sendingFacility = firstComponent(field(msh, 4), component, repetition);
        String type = firstComponent(field(msh, 9), component, repetition);
        String controlId = field(msh, 10).trim();
        String cid = controlId.isEmpty() ? null : controlId;
        if (type.isEmpty()) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    Hl7ErrorLocation.component("MSH", 9, 1),
                    "message type missing",
                    cid);
        }
        if (!messageType.equals(type)) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                    Hl7ErrorLocation.component("MSH", 9, 1),
                    "only " + messageType + " messages are mapped",
                    cid);
        }
        String trigger = component(field(msh, 9), component, repetition, 2);
        if (trigger.isEmpty()) {
            // Some v2.3 senders put the event only in EVN-1.
            trigger = evnTrigger(segments, fieldSeparator, component, repetition);
        }
        if (trigger.isEmpty()) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    Hl7ErrorLocation.component("MSH", 9, 2),
                    "trigger event missing",
                    cid);
        }
        if (!supportedEvent.test(trigger)) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.UNSUPPORTED_EVENT_CODE, Hl7ErrorLocation.component("MSH", 9, 2), supportedText, cid);
        }
        if (cid == null) {
            throw error(Hl7ErrorCode.REQUIRED_FIELD_MISSING, Hl7ErrorLocation.field("MSH", 10), "control id missing");
        }
        if (sendingFacility.isEmpty()) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    Hl7ErrorLocation.field("MSH", 4),
                    "sending facility missing: it scopes the local identifiers",
                    cid);
        }
        String version = firstComponent(field(msh, 12), component, repetition);
        if (version.isEmpty()) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING, Hl7ErrorLocation.field("MSH", 12), "version id missing", cid);
        }
        Version known = Version.versionOf(version);
        if (known == null || !known.isGreaterThan(Version.V22)) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.UNSUPPORTED_VERSION_ID,
                    Hl7ErrorLocation.field("MSH", 12),
                    "versions 2.3 and later are mapped",
                    cid);
        }
        return new Hl7Header(
                type,
                trigger,
                controlId,
                firstComponent(field(msh, 3), component, repetition),
                sendingFacility,
                firstComponent(field(msh, 5), component, repetition),
                firstComponent(field(msh, 6), component, repetition),
                version,
                fieldSeparator,
                encoding);
    }

    private static void checkEncodingCharacters(String encoding, char fieldSeparator) throws Hl7MappingException {
        // Four characters (component, repetition, escape, sub-component), five from v2.7 with truncation.
        boolean ok = encoding.length() == 4 || encoding.length() == 5;
        for (int i = 0; ok && i < encoding.length(); i++) {
            char c = encoding.charAt(i);
            ok = !Character.isLetterOrDigit(c)
                    && !Character.isWhitespace(c)
                    && c != fieldSeparator
                    && encoding.indexOf(c) == i;
        }
        if (!ok) {
            throw error(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    Hl7ErrorLocation.field("MSH", 2),
                    "encoding characters must be four distinct separators");
        }
    }

    /** Every segment must start with a segment id followed by the field separator MSH-1 declared. */
    private static void checkSegmentFraming(String[] segments, char fieldSeparator) throws Hl7MappingException {
        String previous = "MSH";
        int previousSequence = 1;
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        seen.put("MSH", 1);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            String id = segment.length() >= 3 ? segment.substring(0, 3) : "";
            boolean idOk = SEGMENT_ID.matcher(id).matches();
            if (!idOk || (segment.length() > 3 && segment.charAt(3) != fieldSeparator)) {
                // A well-formed id names the segment; otherwise name the last good one, since the bad text
                // itself may be a fragment of patient data.
                Hl7ErrorLocation where = idOk
                        ? Hl7ErrorLocation.segment(id).inSegment(seen.getOrDefault(id, 0) + 1)
                        : Hl7ErrorLocation.segment(previous).inSegment(previousSequence);
                throw error(
                        idOk ? Hl7ErrorCode.DATA_TYPE_ERROR : Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        where,
                        idOk
                                ? "segment " + (i + 1) + " does not use the field separator declared in MSH-1"
                                : "segment " + (i + 1) + " (after this one) does not start with a segment id");
            }
            previousSequence = seen.merge(id, 1, Integer::sum);
            previous = id;
        }
    }

    private static String evnTrigger(String[] segments, char fieldSeparator, char component, char repetition) {
        for (String segment : segments) {
            if (segment.startsWith("EVN")) {
                return firstComponent(field(split(segment, fieldSeparator), 1), component, repetition);
            }
        }
        return "";
    }

    /** Fields of an MSH split so that index n is field n + 1 (MSH-1 is the separator itself). */
    private static String field(String[] msh, int number) {
        int index = msh[0].equals("MSH") ? number - 1 : number;
        return index < msh.length ? msh[index] : "";
    }

    private static String[] split(String segment, char fieldSeparator) {
        return segment.split(Pattern.quote(String.valueOf(fieldSeparator)), -1);
    }

    private static String firstComponent(String field, char component, char repetition) {
        return component(field, component, repetition, 1);
    }

    private static String component(String field, char component, char repetition, int number) {
        int rep = field.indexOf(repetition);
        String first = rep < 0 ? field : field.substring(0, rep);
        String[] parts = first.split(Pattern.quote(String.valueOf(component)), -1);
        return number <= parts.length ? parts[number - 1].trim() : "";
    }

    private static Hl7MappingException error(Hl7ErrorCode code, Hl7ErrorLocation location, String reason) {
        return new Hl7MappingException(code, location, reason, null);
    }
}
