package uk.linkwell.mappings.socialcare;

import java.util.Objects;

/**
 * A case event that cannot be mapped: the JSON pointer of the offending field ("" for the whole document)
 * and a reason, so the gateway can answer problem+json naming the field. Never quotes values.
 */
public class CaseEventException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String pointer;
    private final String reason;

    public CaseEventException(String pointer, String reason) {
        super((pointer.isEmpty() ? "(document)" : pointer) + ": " + reason);
        this.pointer = Objects.requireNonNull(pointer);
        this.reason = Objects.requireNonNull(reason);
    }

    /** RFC 6901 JSON pointer of the bad field, e.g. {@code /person/nhsNumber}; "" for the whole event. */
    public String pointer() {
        return pointer;
    }

    /** Why, in words fit for a problem+json detail: rules and positions, never values. */
    public String reason() {
        return reason;
    }
}
