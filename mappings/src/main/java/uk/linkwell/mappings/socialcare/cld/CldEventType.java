package uk.linkwell.mappings.socialcare.cld;

import java.util.Arrays;
import java.util.Optional;

/** The four event types of the CLD return (column Event_Type). */
public enum CldEventType {
    REQUEST("Request"),
    ASSESSMENT("Assessment"),
    SERVICE("Service"),
    REVIEW("Review");

    private final String value;

    CldEventType(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    static Optional<CldEventType> of(String value) {
        return Arrays.stream(values())
                .filter(t -> t.value.equalsIgnoreCase(value))
                .findFirst();
    }
}
