package uk.linkwell.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/** Validates R4 resources against base FHIR and the Linkwell profiles, offline. */
public final class LinkwellValidator {

  private final FhirContext fhirContext;
  private final FhirValidator validator;

  /** Wraps a validation-support chain, usually {@link LinkwellValidationSupport#chain()}. */
  public LinkwellValidator(FhirContext fhirContext, IValidationSupport validationSupport) {
    this.fhirContext = fhirContext;
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(validationSupport);
    this.validator = fhirContext.newValidator().registerValidatorModule(instanceValidator);
  }

  /** Loads the package, generates snapshots and builds a validator: do this once and share it (thread-safe). */
  public static LinkwellValidator create(FhirContext fhirContext) {
    LinkwellValidationSupport support =
        LinkwellValidationSupport.create(fhirContext, LinkwellPackage.load(fhirContext));
    return new LinkwellValidator(fhirContext, support.chain());
  }

  /** Validates against base R4 and whatever profiles the resource claims in meta.profile. */
  public ValidationResult validate(IBaseResource resource) {
    return validator.validateWithResult(resource);
  }

  /** Validates against base R4, the claimed profiles, and the given profile. */
  public ValidationResult validate(IBaseResource resource, String profileUrl) {
    return validator.validateWithResult(resource, new ValidationOptions().addProfile(profileUrl));
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
}
