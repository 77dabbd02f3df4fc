package uk.linkwell.mappings.hl7v2;

import java.util.Optional;

/** The ADT trigger events the mapper supports, with what each one does to the Encounter. */
public enum AdtEvent {
    A01("admit"),
    A02("transfer"),
    A03("discharge"),
    A08("update patient information"),
    A11("cancel admit"),
    A13("cancel discharge"),
    A40("merge patient");

    private final String meaning;

    AdtEvent(String meaning) {
        this.meaning = meaning;
    }

    public String meaning() {
        return meaning;
    }

    /** Whether the event is about a visit, so PV1 with a visit number must be present. */
    public boolean needsVisit() {
        return this != A08 && this != A40;
    }

    public static Optional<AdtEvent> of(String triggerEvent) {
        for (AdtEvent event : values()) {
            if (event.name().equals(triggerEvent)) {
                return Optional.of(event);
            }
        }
        return Optional.empty();
    }
}
