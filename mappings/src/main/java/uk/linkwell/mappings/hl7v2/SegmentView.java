package uk.linkwell.mappings.hl7v2;

import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.util.Terser;

/**
 * Read-only, null-free access to one parsed segment by position, the same way for HAPI's typed
 * v2.5.1 segments and for generic Z-segments. Missing fields, repetitions and components read as "".
 */
final class SegmentView {

    private final Segment segment;
    private final int sequence;

    SegmentView(Segment segment, int sequence) {
        this.segment = segment;
        this.sequence = sequence;
    }

    String id() {
        return segment.getName();
    }

    /** 1 for the first segment of this id in the message, 2 for the second, and so on. */
    int sequence() {
        return sequence;
    }

    /** First repetition, first component, first sub-component. */
    String get(int field) {
        return get(field, 1, 1);
    }

    /** First repetition. */
    String get(int field, int component) {
        return get(field, 1, component);
    }

    String get(int field, int repetition, int component) {
        return get(field, repetition, component, 1);
    }

    String get(int field, int repetition, int component, int subComponent) {
        if (repetition < 1 || repetition > repetitions(field)) {
            return "";
        }
        try {
            String value = Terser.get(segment, field, repetition - 1, component, subComponent);
            return value == null ? "" : value.trim();
        } catch (HL7Exception | RuntimeException e) {
            // A position the structure does not have reads as empty, as it would in the text.
            return "";
        }
    }

    int repetitions(int field) {
        try {
            if (field < 1 || field > segment.numFields()) {
                return 0;
            }
            return segment.getField(field).length;
        } catch (HL7Exception | RuntimeException e) {
            return 0;
        }
    }

    Hl7ErrorLocation at(int field) {
        return new Hl7ErrorLocation(id(), sequence, field, 1, 0, 0);
    }

    Hl7ErrorLocation at(int field, int repetition, int component) {
        return new Hl7ErrorLocation(id(), sequence, field, repetition, component, 0);
    }
}
