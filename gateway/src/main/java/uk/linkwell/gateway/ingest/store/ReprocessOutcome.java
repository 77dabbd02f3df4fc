package uk.linkwell.gateway.ingest.store;

/** The answer to a request to process a stored message again. */
public enum ReprocessOutcome {
    REQUEUED,
    NOT_FOUND,
    /** It is done or being processed: nothing to reprocess. */
    NOT_REPROCESSABLE
}
