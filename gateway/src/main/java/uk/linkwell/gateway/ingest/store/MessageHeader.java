package uk.linkwell.gateway.ingest.store;

import java.time.Instant;

/**
 * A stored message without its body: enough to say whose it is and how it stands. The body (a CLD file can be
 * tens of megabytes) is not read, so polling a batch's progress costs the same whatever the file's size.
 */
public record MessageHeader(
        long id, String source, String sender, MessageStatus status, Instant receivedAt, String lastError) {}
