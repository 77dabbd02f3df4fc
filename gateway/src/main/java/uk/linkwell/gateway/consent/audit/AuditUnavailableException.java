package uk.linkwell.gateway.consent.audit;

/**
 * The audit trail cannot take a disclosure (its queue stayed full for {@code linkwell.consent.audit.enqueue-timeout}):
 * the caller must not disclose, because nothing may leave the gateway unaudited.
 */
public class AuditUnavailableException extends IllegalStateException {

    public AuditUnavailableException(String message) {
        super(message);
    }
}
