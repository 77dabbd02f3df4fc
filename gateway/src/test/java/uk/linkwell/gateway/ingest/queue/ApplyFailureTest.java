package uk.linkwell.gateway.ingest.queue;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.sql.SQLException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import uk.linkwell.mappings.hl7v2.FieldOrigins;

/** One classification of apply failures for every inbound source: what is retried, and what the operator reads. */
class ApplyFailureTest {

    private static final String FK_TEXT = "insert into HFJ_SPIDX_STRING (RES_ID) values (?) violates foreign key "
            + "constraint \"fk_spidxstr_resource\" Key (res_id)=(1024) is not present";

    private static String origin(String element) {
        return FieldOrigins.adt(element).orElse(null);
    }

    private static Throwable conflict(String message, Throwable cause) {
        return new ResourceVersionConflictException(message).initCause(cause);
    }

    @Test
    void aBrokenForeignKeyWrappedAsAConflictIsParkedWithoutItsSql() {
        Throwable error = conflict(
                "HAPI-0550: could not execute batch",
                new DataIntegrityViolationException(FK_TEXT, new SQLException(FK_TEXT, "23503")));
        ApplyFailure failure = ApplyFailure.of(error, ApplyFailureTest::origin);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason())
                .contains("internal error")
                .doesNotContainIgnoringCase("insert into")
                .doesNotContain("HFJ_")
                .doesNotContain("1024");
    }

    @Test
    void concurrentCreatesLockWaitsSerialisationAndAMissingDatabaseAreRetried() {
        assertThat(ApplyFailure.of(
                                conflict(
                                        "HAPI-2745: conditional constraint failure",
                                        new DataIntegrityViolationException(
                                                "dup", new SQLException("duplicate key", "23505"))),
                                null)
                        .retryable())
                .isTrue();
        assertThat(ApplyFailure.retryable(new RuntimeException(new SQLException("could not serialize", "40001"))))
                .isTrue();
        assertThat(ApplyFailure.retryable(new SQLException("deadlock detected", "40P01")))
                .isTrue();
        assertThat(ApplyFailure.retryable(new CannotAcquireLockException("lock_timeout")))
                .isTrue();
        assertThat(ApplyFailure.retryable(new CannotGetJdbcConnectionException("no connection")))
                .isTrue();
        ApplyFailure away = ApplyFailure.of(
                new InternalErrorException("HAPI", new SQLException("connection refused: 10.0.0.1", "08001")), null);
        assertThat(away.retryable()).isTrue();
        assertThat(away.reason()).isEqualTo("the database was busy or unavailable (SQLException)");
    }

    @Test
    void aProfileRuleNamesTheFieldTheSenderMustCorrect() {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setDiagnostics("Constraint failed: per-1: 'If present, start SHALL have a lower value than end'")
                .addExpression("Encounter.period");
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.WARNING)
                .setDiagnostics("a warning that is not the reason")
                .addExpression("Encounter.class");
        ApplyFailure failure = ApplyFailure.of(
                new UnprocessableEntityException(FhirContext.forR4Cached(), outcome), ApplyFailureTest::origin);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason())
                .startsWith("the store's profile rules refuse it: PV1-44/PV1-45 (Encounter.period): ")
                .contains("per-1")
                .doesNotContain("warning");
    }

    @Test
    void anIdentityHeldTwiceNamesItsField() {
        ApplyFailure failure = ApplyFailure.of(
                new PreconditionFailedException("Failed to update a Patient by its identifier: 2 stored resources "
                        + "hold that identifier, so it is unclear which one is meant"),
                ApplyFailureTest::origin);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason()).startsWith("PID-3: it names a record the store holds more than once");
    }

    @Test
    void aMessageTheMapperRefusesKeepsTheMappersWords() {
        ApplyFailure failure =
                ApplyFailure.of(new UnprocessableMessageException("101 Required field missing at PV1-19.1"), null);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason()).isEqualTo("101 Required field missing at PV1-19.1");
    }

    @Test
    void aBugOfOursIsParkedNotRetried() {
        ApplyFailure failure = ApplyFailure.of(new NullPointerException(), null);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason()).contains("internal error (NullPointerException)");
    }
}
