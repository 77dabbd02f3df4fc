package uk.linkwell.gateway.referral;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The care process's refusals (referral workflow, allocations, reviews), as HAPI exceptions carrying an
 * OperationOutcome that names the element.
 */
public final class ReferralOutcome {

    private ReferralOutcome() {}

    /** 409: what the current state forbids (a transition from the Task's state, a worker at their cap). */
    public static ResourceVersionConflictException conflict(String message, String expression) {
        return new ResourceVersionConflictException(
                message, outcome(OperationOutcome.IssueType.BUSINESSRULE, message, expression));
    }

    /** 422: the request itself is incomplete or malformed for what it asks (a decline without reasons). */
    public static UnprocessableEntityException unprocessable(String message, String expression) {
        return new UnprocessableEntityException(
                message, outcome(OperationOutcome.IssueType.REQUIRED, message, expression));
    }

    private static OperationOutcome outcome(OperationOutcome.IssueType type, String message, String expression) {
        OperationOutcome outcome = new OperationOutcome();
        OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(type)
                .setDiagnostics(message);
        if (expression != null) {
            issue.addExpression(expression);
            issue.addLocation(expression);
        }
        return outcome;
    }
}
