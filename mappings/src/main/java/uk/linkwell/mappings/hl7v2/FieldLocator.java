package uk.linkwell.mappings.hl7v2;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names one component of one field, as configuration writes it: {@code PV1-36}, {@code PV1-37.1},
 * {@code ZDS-1}. The first repetition of the field and the first segment of that id are read.
 */
public record FieldLocator(String segmentId, int field, int component) {

    private static final Pattern FORM = Pattern.compile("([A-Z][A-Z0-9]{2})-(\\d{1,3})(?:\\.(\\d{1,3}))?");

    public FieldLocator {
        if (segmentId == null || !segmentId.matches("[A-Z][A-Z0-9]{2}") || field < 1 || component < 1) {
            throw new IllegalArgumentException("a field locator looks like PV1-36 or ZDS-1.1");
        }
    }

    /** Parses {@code SEG-field} or {@code SEG-field.component}; the component defaults to 1. */
    public static FieldLocator parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("a field locator looks like PV1-36 or ZDS-1.1");
        }
        int component = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
        return new FieldLocator(m.group(1), Integer.parseInt(m.group(2)), component);
    }

    Hl7ErrorLocation location() {
        return Hl7ErrorLocation.component(segmentId, field, component);
    }

    @Override
    public String toString() {
        return segmentId + "-" + field + (component == 1 ? "" : "." + component);
    }
}
