package uk.linkwell.gateway.ingest.mllp;

import java.util.regex.Pattern;

/**
 * A lenient read of the header (MSH) of whatever bytes arrived, for what the store and the ACK need even when the
 * mapper refuses the message: sender, type, control id, version, charset. Header fields are ASCII; no patient data.
 */
final class MshFields {

    private final String[] fields;
    private final char fieldSeparator;
    private final char componentSeparator;

    private MshFields(String[] fields, char fieldSeparator, char componentSeparator) {
        this.fields = fields;
        this.fieldSeparator = fieldSeparator;
        this.componentSeparator = componentSeparator;
    }

    /** The header in this line (the message's first), or null when it is not an MSH segment. */
    static MshFields of(String line) {
        if (line.length() < 8 || !line.startsWith("MSH")) {
            return null;
        }
        char fieldSeparator = line.charAt(3);
        char componentSeparator = line.charAt(4);
        if (Character.isLetterOrDigit(fieldSeparator) || Character.isWhitespace(fieldSeparator)) {
            return null;
        }
        return new MshFields(
                line.split(Pattern.quote(String.valueOf(fieldSeparator)), -1), fieldSeparator, componentSeparator);
    }

    /** MSH-1, the field separator. */
    char fieldSeparator() {
        return fieldSeparator;
    }

    /** The component separator (MSH-2's first character). */
    char componentSeparator() {
        return componentSeparator;
    }

    /** MSH-n as sent (n >= 2), or "" when absent. */
    String field(int n) {
        return n - 1 < fields.length ? fields[n - 1].trim() : "";
    }

    /** The first component of MSH-n (first repetition). */
    String first(int n) {
        String value = field(n);
        int rep = value.indexOf('~');
        if (rep >= 0 && componentSeparator != '~') {
            value = value.substring(0, rep);
        }
        int comp = value.indexOf(componentSeparator);
        return (comp >= 0 ? value.substring(0, comp) : value).trim();
    }

    /** Component c (1-based) of MSH-n. */
    String component(int n, int c) {
        String[] parts = field(n).split(Pattern.quote(String.valueOf(componentSeparator)), -1);
        return c - 1 < parts.length ? parts[c - 1].trim() : "";
    }

    String sendingApplication() {
        return first(3);
    }

    String sendingFacility() {
        return first(4);
    }

    String receivingApplication() {
        return first(5);
    }

    String receivingFacility() {
        return first(6);
    }

    String controlId() {
        return field(10);
    }

    String processingId() {
        return first(11);
    }

    String version() {
        return first(12);
    }

    /** MSH-9 as type^event, e.g. ADT^A03. */
    String messageType() {
        String type = component(9, 1);
        String event = component(9, 2);
        return event.isEmpty() ? type : type + "^" + event;
    }

    /**
     * The Java charset MSH-18 names, by the mapper's rule: empty or UNICODE UTF-8 is UTF-8, ASCII, 8859/1 and
     * 8859/15; null for any other value.
     */
    String charset() {
        String declared = first(18).toUpperCase(java.util.Locale.ROOT);
        return switch (declared) {
            case "", "UNICODE UTF-8" -> "UTF-8";
            case "ASCII" -> "US-ASCII";
            case "8859/1" -> "ISO-8859-1";
            case "8859/15" -> "ISO-8859-15";
            default -> null;
        };
    }
}
