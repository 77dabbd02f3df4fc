package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** The care process's refusals, as HAPI exceptions carrying an OperationOutcome that names the element. */
final class CareTaskOutcome {

    private CareTaskOutcome() {}

    /** 409: the request is well formed but the state of the service forbids it (a worker at their cap). */
    static ResourceVersionConflictException conflict(String message, String expression) {
        return new ResourceVersionConflictException(
                message, outcome(OperationOutcome.IssueType.BUSINESSRULE, message, expression));
    }

    /** 422: the request lacks what it needs (an allocation without a complexity or a worker). */
    static UnprocessableEntityException unprocessable(String message, String expression) {
        return new UnprocessableEntityException(
                message, outcome(OperationOutcome.IssueType.REQUIRED, message, expression));
    }

    private static OperationOutcome outcome(OperationOutcome.IssueType type, String message, String expression) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(type)
                .setDiagnostics(message)
                .addExpression(expression)
                .addLocation(expression);
        return outcome;
    }
}
