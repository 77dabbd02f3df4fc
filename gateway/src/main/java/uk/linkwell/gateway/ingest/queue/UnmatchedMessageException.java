package uk.linkwell.gateway.ingest.queue;

/**
 * A stored message that is sound but about a person the gateway cannot match to its sender (unknown to the
 * store, or with no relationship to the sending council): it is set aside as {@code unmatched}, not applied and
 * not failed, until an operator reprocesses it.
 */
public class UnmatchedMessageException extends UnprocessableMessageException {

    private static final long serialVersionUID = 1L;

    /** The reason must be safe to log and show: who sent it and what is missing, never who the person is. */
    public UnmatchedMessageException(String reason) {
        super(reason);
    }
}
