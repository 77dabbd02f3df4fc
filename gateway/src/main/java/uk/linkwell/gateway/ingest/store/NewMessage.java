package uk.linkwell.gateway.ingest.store;

import java.time.Instant;

/**
 * A message as an inbound route hands it to the store: what it could read of the header (any part may be null
 * for bytes that are not a message at all), the exact bytes, and, for a refused message, why.
 */
public record NewMessage(
        String source,
        String sender,
        String messageType,
        String controlId,
        String orderingKey,
        Instant receivedAt,
        byte[] body,
        String charset,
        String rejectionReason) {

    public boolean rejected() {
        return rejectionReason != null;
    }
}
