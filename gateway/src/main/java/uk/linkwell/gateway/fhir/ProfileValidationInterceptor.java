package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Refuses, with HTTP 422 and an OperationOutcome, every create or update that breaks its Linkwell profile.
 * It hooks the storage layer rather than the REST layer so that transaction entries and the resources the
 * inbound mappers write through HAPI's DAOs are held to the same rules as a plain POST.
 */
@Interceptor
public class ProfileValidationInterceptor {

    /**
     * Request user-data key: a server-side write whose resources were already held to the profiles (the CLD
     * batch mapper's output, by its conformance tests) may set it to skip validation when configured to.
     */
    public static final String SKIP_VALIDATION = "linkwell.skip-profile-validation";

    private final FhirContext fhirContext;
    private final ProfileValidation validation;
    private final MeterRegistry meters;

    public ProfileValidationInterceptor(FhirContext fhirContext, ProfileValidation validation, MeterRegistry meters) {
        this.fhirContext = fhirContext;
        this.validation = validation;
        this.meters = meters;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        if (skipped(request)) {
            return;
        }
        check(resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (skipped(request)) {
            return;
        }
        if (unchanged(previous, resource)) {
            // HAPI stores no new version of a resource that did not change (a discharge repeating the admission's
            // PID), so there is nothing new to hold to the profiles.
            meters.counter("linkwell.validation.unchanged", "type", fhirContext.getResourceType(resource))
                    .increment();
            return;
        }
        check(resource);
    }

    /** Whether the update leaves the resource as it is, apart from its id and the version HAPI would give it. */
    boolean unchanged(IBaseResource previous, IBaseResource resource) {
        if (previous == null || !fhirContext.getResourceType(previous).equals(fhirContext.getResourceType(resource))) {
            return false;
        }
        IParser parser = fhirContext
                .newJsonParser()
                .setOmitResourceId(true)
                .setDontEncodeElements(Set.of("*.meta.versionId", "*.meta.lastUpdated", "*.meta.source"));
        return parser.encodeResourceToString(previous).equals(parser.encodeResourceToString(resource));
    }

    private static boolean skipped(RequestDetails request) {
        return request != null && Boolean.TRUE.equals(request.getUserData().get(SKIP_VALIDATION));
    }

    private void check(IBaseResource resource) {
        validation.violations(resource).ifPresent(outcome -> {
            String type = fhirContext.getResourceType(resource);
            meters.counter("linkwell.validation.rejected", "type", type).increment();
            throw new UnprocessableEntityException(fhirContext, outcome);
        });
    }
}
