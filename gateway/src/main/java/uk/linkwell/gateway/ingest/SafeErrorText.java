package uk.linkwell.gateway.ingest;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Error text fit for the message store, logs and operations: database and validator messages can quote values
 * (an NHS number in a constraint violation, a name in a validation message), so quoted text and long digit runs
 * are masked and an OperationOutcome is summarised by location and rule.
 */
public final class SafeErrorText {

    private SafeErrorText() {}

    public static String of(Throwable error) {
        if (error instanceof BaseServerResponseException hapi) {
            return "HTTP " + hapi.getStatusCode() + " " + hapi.getClass().getSimpleName() + ": "
                    + summary(hapi.getOperationOutcome(), hapi.getMessage());
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = error.getClass().getSimpleName() + ": " + mask(error.getMessage());
        if (root != error) {
            text += " (cause " + root.getClass().getSimpleName() + ": " + mask(root.getMessage()) + ")";
        }
        return text;
    }

    private static String summary(IBaseOperationOutcome outcome, String fallback) {
        if (!(outcome instanceof OperationOutcome oo) || oo.getIssue().isEmpty()) {
            return mask(fallback);
        }
        StringBuilder text = new StringBuilder();
        for (OperationOutcome.OperationOutcomeIssueComponent issue : oo.getIssue()) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            String where = issue.getExpression().isEmpty()
                    ? ""
                    : issue.getExpression().get(0).getValue() + ": ";
            text.append(where).append(mask(issue.getDiagnostics()));
        }
        return text.toString();
    }

    /** Masks quoted values and runs of six or more digits (NHS numbers, hospital numbers, dates of birth). */
    public static String mask(String text) {
        if (text == null) {
            return "";
        }
        return text.replaceAll("'[^']*'", "'…'")
                .replaceAll("\"[^\"]*\"", "\"…\"")
                .replaceAll("\\(([^()]*)\\)=\\(([^()]*)\\)", "($1)=(…)")
                .replaceAll("\\d{6,}", "#");
    }
}
