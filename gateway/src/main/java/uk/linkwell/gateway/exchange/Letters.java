package uk.linkwell.gateway.exchange;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import uk.linkwell.profiles.LinkwellPackage;

/** The care process's letters the triggers send: Communications by their Linkwell communication category. */
final class Letters {

    static final String CATEGORY = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/communication-category";
    static final String DECLINE_LETTER = "decline-letter";
    static final String CLOSURE_LETTER = "closure-letter";

    private Letters() {}

    static boolean is(Communication communication, String category) {
        return communication.getCategory().stream()
                .flatMap(c -> c.getCoding().stream())
                .anyMatch(c -> CATEGORY.equals(c.getSystem()) && category.equals(c.getCode()));
    }

    /**
     * What the letter is about, of the given type: {@code Type/<id>}, or {@code Type?identifier=<system>|<value>}
     * for a logical reference (type and identifier only).
     */
    static List<String> about(Communication letter, String type) {
        List<String> about = new ArrayList<>();
        for (Reference reference : letter.getAbout()) {
            IIdType id = reference.getReferenceElement();
            if (type.equals(id.getResourceType()) && id.hasIdPart()) {
                about.add(type + "/" + id.getIdPart());
            } else if (!reference.hasReference() && type.equals(reference.getType()) && reference.hasIdentifier()) {
                about.add(byIdentifier(type, reference.getIdentifier()));
            }
        }
        return about;
    }

    /** The names a stored record goes by in {@link #about}: its {@code Type/<id>} and one per identifier. */
    static List<String> names(Resource record, List<Identifier> identifiers) {
        List<String> names = new ArrayList<>();
        names.add(record.fhirType() + "/" + record.getIdElement().getIdPart());
        identifiers.stream()
                .filter(i -> i.hasSystem() && i.hasValue())
                .forEach(i -> names.add(byIdentifier(record.fhirType(), i)));
        return names;
    }

    private static String byIdentifier(String type, Identifier identifier) {
        return type + "?identifier=" + identifier.getSystem() + "|" + identifier.getValue();
    }
}
