package uk.linkwell.gateway.ingest.socialcare.batch;

import org.hl7.fhir.r4.model.Bundle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.InboundTranslator;
import uk.linkwell.gateway.ingest.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;

/**
 * Hands stored CLD files (source {@code socialcare-cld-batch}) from the message worker to the batch processor.
 * A file is applied in many transactions of its own as it goes, so what is left for the worker's own
 * transaction is an empty Bundle: the message is then marked done. The worker's claim, retries and
 * parking cover a batch exactly as they cover a single message.
 */
@Component
public class CldBatchTranslator implements InboundTranslator {

    /** The message store's {@code source} of CLD batch files. */
    public static final String SOURCE = "socialcare-cld-batch";

    private final CldBatchProcessor processor;

    public CldBatchTranslator(CldBatchProcessor processor) {
        this.processor = processor;
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public Bundle translate(InboundMessage message) throws UnprocessableMessageException {
        processor.process(message);
        return new Bundle().setType(Bundle.BundleType.TRANSACTION);
    }

    @Override
    public String senderDisplay(InboundMessage message) {
        return "local authority " + message.getSender() + " (CLD batch)";
    }
}
