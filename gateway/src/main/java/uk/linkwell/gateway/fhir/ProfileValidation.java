package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;
import uk.linkwell.profiles.LinkwellValidationSupport;
import uk.linkwell.profiles.LinkwellValidator;

/**
 * Decides which resources are held to which Linkwell profile and validates them; the one place both the
 * FHIR server and the inbound routes go through.
 */
@Component
public class ProfileValidation {

    private static final Logger log = LoggerFactory.getLogger(ProfileValidation.class);

    private final FhirContext fhirContext;
    private final Set<String> profiledTypes;
    private final boolean enabled;
    private final LinkwellPackage conformancePackage;
    // Snapshot generation takes seconds of CPU: it starts once the gateway is up (so it does not slow
    // start-up on small machines), or at the first write if that comes sooner; writes wait for it.
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<LinkwellValidator>> validator =
            new java.util.concurrent.atomic.AtomicReference<>();

    public ProfileValidation(
            FhirContext fhirContext, LinkwellPackage conformancePackage, ValidationProperties properties) {
        this.fhirContext = fhirContext;
        this.enabled = properties.enabled();
        this.profiledTypes = properties.profiledTypeSet();
        this.conformancePackage = conformancePackage;
    }

    @org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
    public void prepareOnceStarted() {
        if (enabled) {
            validator();
        }
    }

    private CompletableFuture<LinkwellValidator> validator() {
        CompletableFuture<LinkwellValidator> current = validator.get();
        if (current != null) {
            return current;
        }
        CompletableFuture<LinkwellValidator> building = new CompletableFuture<>();
        if (!validator.compareAndSet(null, building)) {
            return validator.get();
        }
        CompletableFuture.runAsync(() -> {
            try {
                long start = System.nanoTime();
                LinkwellValidator v = new LinkwellValidator(
                        fhirContext,
                        LinkwellValidationSupport.create(fhirContext, conformancePackage)
                                .chain());
                log.info("Linkwell profiles ready for validation in {} ms", (System.nanoTime() - start) / 1_000_000);
                building.complete(v);
            } catch (RuntimeException | Error e) {
                building.completeExceptionally(e);
            }
        });
        return building;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Waits until the validator is built (used by start-up checks and benchmarks). */
    public void awaitReady() {
        if (enabled) {
            validator().join();
        }
    }

    /**
     * The errors that make this resource unacceptable, as an OperationOutcome naming each element and rule;
     * empty when it conforms or is not subject to validation.
     */
    public Optional<OperationOutcome> violations(IBaseResource resource) {
        if (!enabled) {
            return Optional.empty();
        }
        String type = fhirContext.getResourceType(resource);
        boolean claimsLinkwellProfile = resource.getMeta().getProfile().stream()
                .anyMatch(p -> p.getValue() != null && p.getValue().startsWith(LinkwellPackage.CANONICAL_BASE));
        ValidationResult result;
        if (claimsLinkwellProfile) {
            result = validator().join().validate(resource);
        } else if (profiledTypes.contains(type)) {
            result = validator()
                    .join()
                    .validate(resource, LinkwellProfiles.defaultProfileFor(type).orElseThrow());
        } else {
            return Optional.empty();
        }
        List<SingleValidationMessage> errors = result.getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .toList();
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        OperationOutcome outcome = new OperationOutcome();
        for (SingleValidationMessage error : errors) {
            OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue()
                    .setSeverity(
                            error.getSeverity() == ResultSeverityEnum.FATAL
                                    ? OperationOutcome.IssueSeverity.FATAL
                                    : OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.PROCESSING)
                    .setDiagnostics(error.getMessage());
            if (error.getLocationString() != null) {
                issue.addExpression(error.getLocationString());
                issue.addLocation(error.getLocationString());
            }
        }
        return Optional.of(outcome);
    }
}
