package uk.linkwell.gateway.ingest.queue;

import uk.linkwell.gateway.ingest.store.InboundMessage;

/** A stored message the worker runs as a job of its own (a CLD batch file) rather than translating it. */
public interface InboundJob {

    /** The store's {@code source} value this job handles, e.g. {@code socialcare-cld-batch}. */
    String source();

    /**
     * Applies the message in database transactions of its own, resuming where an earlier attempt stopped; the
     * worker marks it done when this returns, and retries or parks it (by {@link ApplyFailure}) when this throws, as
     * for any message.
     *
     * @throws UnprocessableMessageException when the message can never be applied as it is (retrying won't help)
     */
    void run(InboundMessage message) throws UnprocessableMessageException;
}
