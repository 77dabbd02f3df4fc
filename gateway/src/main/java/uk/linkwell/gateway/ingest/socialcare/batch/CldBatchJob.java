package uk.linkwell.gateway.ingest.socialcare.batch;

import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.queue.InboundJob;
import uk.linkwell.gateway.ingest.queue.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;

/**
 * Runs stored CLD files (source {@value #SOURCE}) for the message worker: the batch processor applies a file in
 * many transactions of its own as it goes, and the worker's claim, retries and parking cover a batch exactly as
 * they cover a single message.
 */
@Component
public class CldBatchJob implements InboundJob {

    /** The message store's {@code source} of CLD batch files. */
    public static final String SOURCE = "socialcare-cld-batch";

    private final CldBatchProcessor processor;

    public CldBatchJob(CldBatchProcessor processor) {
        this.processor = processor;
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public void run(InboundMessage message) throws UnprocessableMessageException {
        processor.process(message);
    }
}
