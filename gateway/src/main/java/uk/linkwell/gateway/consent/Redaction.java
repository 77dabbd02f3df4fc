package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Removes the elements a permit-redacted decision names from a copy of the resource and labels the copy
 * {@code REDACTED} (v3-ObservationValue) in {@code meta.security}, so the recipient knows something was held back.
 */
public final class Redaction {

    public static final String REDACTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
    public static final String REDACTED_CODE = "REDACTED";

    private final FhirContext fhirContext;

    public Redaction(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /** A redacted copy; the original (possibly cached by HAPI) is left alone. */
    public IBaseResource apply(IBaseResource resource, List<String> elements) {
        IBaseResource copy = ((org.hl7.fhir.r4.model.Resource) resource).copy();
        BaseRuntimeElementCompositeDefinition<?> def = fhirContext.getResourceDefinition(copy);
        for (String element : elements) {
            BaseRuntimeChildDefinition child = def.getChildByName(element);
            if (child == null) {
                child = def.getChildByName(element + "[x]");
            }
            if (child != null) {
                child.getMutator().setValue(copy, null);
            }
        }
        copy.getMeta()
                .addSecurity()
                .setSystem(REDACTED_SYSTEM)
                .setCode(REDACTED_CODE)
                .setDisplay("redacted");
        return copy;
    }
}
