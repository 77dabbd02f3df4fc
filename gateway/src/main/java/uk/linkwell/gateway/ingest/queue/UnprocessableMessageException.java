package uk.linkwell.gateway.ingest.queue;

/** A stored message that cannot be applied as it is: it is parked as failed at once, not retried. */
public class UnprocessableMessageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The reason must be safe to log and show: positions and rules, never message content. */
    public UnprocessableMessageException(String reason) {
        super(reason);
    }
}
