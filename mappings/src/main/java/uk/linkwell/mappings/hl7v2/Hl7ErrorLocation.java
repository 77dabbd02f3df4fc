package uk.linkwell.mappings.hl7v2;

/**
 * Where in a message an error lies, in the terms of HL7 ERR-2 (ERL): segment id, segment sequence
 * (1 for the first segment of that id), field position, field repetition, component and sub-component.
 * A value of 0 means "not at this level" (for example a missing segment has field 0).
 */
public record Hl7ErrorLocation(
        String segmentId, int segmentSequence, int fieldPosition, int fieldRepetition, int component, int subComponent)
        implements java.io.Serializable {

    /** A whole segment, e.g. a missing PID. */
    public static Hl7ErrorLocation segment(String segmentId) {
        return new Hl7ErrorLocation(segmentId, 1, 0, 0, 0, 0);
    }

    /** One field of the first segment of that id. */
    public static Hl7ErrorLocation field(String segmentId, int field) {
        return new Hl7ErrorLocation(segmentId, 1, field, 1, 0, 0);
    }

    /** One component of a field of the first segment of that id. */
    public static Hl7ErrorLocation component(String segmentId, int field, int component) {
        return new Hl7ErrorLocation(segmentId, 1, field, 1, component, 0);
    }

    /** The same place in another repetition of the segment. */
    public Hl7ErrorLocation inSegment(int sequence) {
        return new Hl7ErrorLocation(segmentId, sequence, fieldPosition, fieldRepetition, component, subComponent);
    }

    /** The same place in another repetition of the field. */
    public Hl7ErrorLocation inRepetition(int repetition) {
        return new Hl7ErrorLocation(segmentId, segmentSequence, fieldPosition, repetition, component, subComponent);
    }

    /** The location as an ERR-2 value with the standard encoding characters, e.g. {@code PID^1^3^1^1}. */
    public String toErl() {
        StringBuilder erl = new StringBuilder(segmentId).append('^').append(segmentSequence);
        if (fieldPosition > 0) {
            erl.append('^').append(fieldPosition).append('^').append(Math.max(fieldRepetition, 1));
            if (component > 0) {
                erl.append('^').append(component);
                if (subComponent > 0) {
                    erl.append('^').append(subComponent);
                }
            }
        }
        return erl.toString();
    }

    /** Human form used in exception messages, e.g. {@code PID-3(1).1}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(segmentId);
        if (segmentSequence > 1) {
            text.append('[').append(segmentSequence).append(']');
        }
        if (fieldPosition > 0) {
            text.append('-').append(fieldPosition);
            if (fieldRepetition > 1) {
                text.append('(').append(fieldRepetition).append(')');
            }
            if (component > 0) {
                text.append('.').append(component);
                if (subComponent > 0) {
                    text.append('.').append(subComponent);
                }
            }
        }
        return text.toString();
    }
}
