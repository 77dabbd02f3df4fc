package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses a Bundle sent to the FHIR endpoint (a transaction, a batch, a Bundle resource written as such) with more
 * than {@code linkwell.fhir.max-bundle-entries} entries: {@code 413} with an OperationOutcome, before anything is done
 * with it. HAPI has parsed it by then, which {@link FhirRequestLimits}' byte limit keeps bounded.
 */
@Interceptor
public class BundleEntryLimit {

    private final int maxEntries;

    public BundleEntryLimit(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    // First of the hooks at this point: the access checks after it look at every entry.
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -1000)
    public void check(RequestDetails request) {
        if (request.getResource() instanceof Bundle bundle && bundle.getEntry().size() > maxEntries) {
            String diagnostics = "the Bundle has " + bundle.getEntry().size() + " entries, over the limit of "
                    + maxEntries + " (linkwell.fhir.max-bundle-entries); send it in several parts";
            OperationOutcome outcome = new OperationOutcome();
            outcome.addIssue()
                    .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.TOOCOSTLY)
                    .setDiagnostics(diagnostics);
            throw new PayloadTooLargeException(diagnostics, outcome);
        }
    }
}
