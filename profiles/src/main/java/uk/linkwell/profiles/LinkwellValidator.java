package uk.linkwell.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.utilities.validation.ValidationMessage;

/** Validates R4 resources against base FHIR and the Linkwell profiles, offline. Thread-safe. */
public final class LinkwellValidator {

    private final FhirContext fhirContext;
    private final InstanceValidatorPool pool;

    /** Wraps a validation-support chain, usually {@link LinkwellValidationSupport#chain()}. */
    public LinkwellValidator(FhirContext fhirContext, IValidationSupport validationSupport) {
        this.fhirContext = fhirContext;
        // HAPI's validator supplies the settings and the worker context; the pool does the validating.
        FhirInstanceValidator settings = new FhirInstanceValidator(validationSupport);
        this.pool = new InstanceValidatorPool(
                settings, validationSupport, Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
    }

    /** Loads the package, generates snapshots and builds a validator: do this once and share it (thread-safe). */
    public static LinkwellValidator create(FhirContext fhirContext) {
        LinkwellValidationSupport support =
                LinkwellValidationSupport.create(fhirContext, LinkwellPackage.load(fhirContext));
        return new LinkwellValidator(fhirContext, support.chain());
    }

    /** Validates against base R4 and whatever profiles the resource claims in meta.profile. */
    public ValidationResult validate(IBaseResource resource) {
        return run(resource, null);
    }

    /** Validates against base R4, the claimed profiles, and the given profile. */
    public ValidationResult validate(IBaseResource resource, String profileUrl) {
        return run(resource, profileUrl);
    }

    /**
     * Validates as the gateway does on write: a resource that claims no profile is held to the
     * Linkwell default profile for its type, if there is one.
     */
    public ValidationResult validateWithDefaultProfile(IBaseResource resource) {
        boolean claimsProfile = !resource.getMeta().getProfile().isEmpty();
        String type = fhirContext.getResourceType(resource);
        return LinkwellProfiles.defaultProfileFor(type)
                .filter(url -> !claimsProfile)
                .map(url -> validate(resource, url))
                .orElseGet(() -> validate(resource));
    }

    private ValidationResult run(IBaseResource resource, String extraProfile) {
        List<String> profiles = new ArrayList<>();
        if (extraProfile != null) {
            profiles.add(extraProfile);
        }
        for (IPrimitiveType<String> claimed : resource.getMeta().getProfile()) {
            if (claimed.getValue() != null && !profiles.contains(claimed.getValue())) {
                profiles.add(claimed.getValue());
            }
        }
        String json = fhirContext.newJsonParser().encodeResourceToString(resource);
        List<SingleValidationMessage> messages = new ArrayList<>();
        for (ValidationMessage m : pool.validate(json, profiles)) {
            messages.add(toHapi(m));
        }
        return new ValidationResult(fhirContext, messages);
    }

    private static SingleValidationMessage toHapi(ValidationMessage m) {
        SingleValidationMessage message = new SingleValidationMessage();
        message.setLocationCol(m.getCol());
        message.setLocationLine(m.getLine());
        message.setLocationString(m.getLocation());
        message.setMessage(m.getMessage());
        message.setMessageId(m.getMessageId());
        message.setSeverity(ResultSeverityEnum.fromCode(m.getLevel().toCode()));
        return message;
    }
}
