package uk.linkwell.mappings;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;

/**
 * Notes a mapper leaves on the Bundle it returns ({@code Bundle.meta.tag} in {@link #SYSTEM}): something the
 * message lacked that was mapped anyway and that an operator should see, such as a discharge without a
 * discharge-to-assess pathway. The code names the kind of note; the display says it in words, naming
 * positions in the message, never values, so it is safe to store and log.
 */
public final class MappingNotes {

    public static final String SYSTEM = "https://fhir.linkwell.example/CodeSystem/mapping-note";

    /** A discharge (finished encounter) whose pathway field was empty, or held a value configured to be ignored. */
    public static final String DISCHARGE_PATHWAY_MISSING = "discharge.pathway-missing";

    private MappingNotes() {}

    /** The notes on a Bundle a mapper returned, in the order they were made. */
    public static List<Coding> of(Bundle bundle) {
        return bundle.getMeta().getTag().stream()
                .filter(tag -> SYSTEM.equals(tag.getSystem()))
                .toList();
    }

    /** A note to put on a Bundle. */
    public static Coding note(String code, String text) {
        return new Coding(SYSTEM, code, text);
    }
}
