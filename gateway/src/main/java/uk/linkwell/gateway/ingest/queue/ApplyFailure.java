package uk.linkwell.gateway.ingest.queue;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.PessimisticLockException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * What a failure to apply an inbound message means, decided in one place for every inbound source (MLLP, case
 * events, CLD files): retried, when the database was away, a lock was not had in time or two transactions
 * collided (serialisation failures, deadlocks, concurrent creates); otherwise parked at once, with a reason in
 * plain words that names where the message is at fault. The technical text stays in the log.
 */
public record ApplyFailure(boolean retryable, String reason) {

    /** The resource type a 412 names, in the writer's words ("a Patient by its identifier") or HAPI's (Patient?). */
    private static final Pattern NAMED_TYPE =
            Pattern.compile("\\b(Patient|Encounter|Practitioner|Organization|RelatedPerson|ServiceRequest|Task|"
                    + "EpisodeOfCare|CarePlan|Condition|Observation|DocumentReference)\\b");

    /** SQLSTATEs of a database that is away or a transaction that lost a race: worth another attempt. */
    private static final Set<String> TRANSIENT_SQL_STATES = Set.of(
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "55P03", // lock_not_available (lock_timeout)
            "57014", // query_canceled (statement_timeout)
            "57P01", // admin_shutdown
            "57P02", // crash_shutdown
            "57P03", // cannot_connect_now
            "HYT00", // H2: lock timeout
            "HYT01"); // statement timeout

    /**
     * Classifies a failure. {@code origin} names the field of the source message an element of the written
     * resources came from ({@code Encounter.period} to {@code PV1-44/PV1-45}), or null where the source cannot say.
     */
    public static ApplyFailure of(Throwable error, Function<String, String> origin) {
        if (error instanceof UnprocessableMessageException unprocessable) {
            return new ApplyFailure(false, unprocessable.getMessage());
        }
        if (transientCause(error)) {
            return new ApplyFailure(
                    true,
                    "the database was busy or unavailable ("
                            + rootCause(error).getClass().getSimpleName() + ")");
        }
        return new ApplyFailure(false, contentReason(error, origin));
    }

    /** Whether another attempt may succeed where this one failed. */
    public static boolean retryable(Throwable error) {
        return !(error instanceof UnprocessableMessageException) && transientCause(error);
    }

    private static boolean transientCause(Throwable error) {
        boolean conflict = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null
                        && (state.startsWith("08") || state.startsWith("53") || TRANSIENT_SQL_STATES.contains(state))) {
                    return true;
                }
                if ("23505".equals(state)) {
                    // A duplicate key: another transaction inserted the same row first; the next attempt sees it.
                    return true;
                }
                if (state != null && state.startsWith("23")) {
                    // Any other broken constraint is not a race: trying again gives the same.
                    return false;
                }
                if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                    return true;
                }
            }
            if (t instanceof TransientDataAccessException
                    || t instanceof PessimisticLockingFailureException
                    || t instanceof CannotAcquireLockException
                    || t instanceof QueryTimeoutException
                    || t instanceof DataAccessResourceFailureException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof LockTimeoutException
                    || t instanceof PessimisticLockException
                    || t instanceof org.hibernate.exception.JDBCConnectionException
                    || t instanceof org.hibernate.exception.LockAcquisitionException) {
                return true;
            }
            if (t instanceof ResourceVersionConflictException) {
                // Two transactions wrote the same resource (or created it by one URL) at once; unless the chain
                // below shows a broken constraint, the next attempt sees the other's commit.
                conflict = true;
            }
        }
        return conflict;
    }

    private static String contentReason(Throwable error, Function<String, String> origin) {
        BaseServerResponseException hapi = firstOfType(error, BaseServerResponseException.class);
        if (hapi instanceof UnprocessableEntityException || hapi != null && hapi.getStatusCode() == 422) {
            return "the store's profile rules refuse it: " + issues(hapi, origin);
        }
        if (hapi instanceof PreconditionFailedException) {
            Matcher type = NAMED_TYPE.matcher(String.valueOf(hapi.getMessage()));
            String field = type.find() && origin != null ? origin.apply(type.group(1) + ".identifier") : null;
            return (field == null ? "" : field + ": ")
                    + "it names a record the store holds more than once (merge or correct them first): "
                    + SafeErrorText.mask(stripCode(hapi.getMessage()));
        }
        if (hapi instanceof ResourceNotFoundException) {
            return "it refers to a record the store does not hold: " + SafeErrorText.mask(hapi.getMessage());
        }
        // A 409 that is not a race (see transientCause) is a constraint HAPI broke: ours to mend, not the sender's.
        if (hapi != null
                && hapi.getStatusCode() >= 400
                && hapi.getStatusCode() < 500
                && !(hapi instanceof ResourceVersionConflictException)) {
            return "the store refuses it: " + issues(hapi, origin);
        }
        return "it could not be applied because of an internal error ("
                + error.getClass().getSimpleName() + "); the gateway log has the details";
    }

    /** Each error issue of the OperationOutcome as "field (element): what is wrong". */
    private static String issues(BaseServerResponseException hapi, Function<String, String> origin) {
        if (!(hapi.getOperationOutcome() instanceof OperationOutcome outcome)
                || outcome.getIssue().isEmpty()) {
            return SafeErrorText.mask(stripCode(hapi.getMessage()));
        }
        Set<String> texts = new LinkedHashSet<>();
        for (OperationOutcome.OperationOutcomeIssueComponent issue : outcome.getIssue()) {
            if (issue.getSeverity() != OperationOutcome.IssueSeverity.ERROR
                    && issue.getSeverity() != OperationOutcome.IssueSeverity.FATAL) {
                continue;
            }
            List<String> where = new ArrayList<>();
            String element = issue.getExpression().isEmpty()
                    ? null
                    : issue.getExpression().get(0).getValue();
            String field = element == null || origin == null ? null : origin.apply(element);
            if (field != null) {
                where.add(field);
            }
            if (element != null) {
                where.add(field == null ? element : "(" + element + ")");
            }
            texts.add((where.isEmpty() ? "" : String.join(" ", where) + ": ")
                    + SafeErrorText.mask(stripCode(issue.getDiagnostics())));
        }
        return texts.isEmpty() ? SafeErrorText.mask(stripCode(hapi.getMessage())) : String.join("; ", texts);
    }

    private static Throwable rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** HAPI's message codes ({@code HAPI-0550: }) mean nothing to an operator. */
    private static String stripCode(String text) {
        return text == null ? "" : text.replaceAll("HAPI-\\d{4}: ", "");
    }

    private static <T> T firstOfType(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
