package uk.linkwell.gateway.ingest.store;

import java.time.Instant;

/** Criteria for listing stored messages; null fields do not filter. */
public record MessageFilter(
        MessageStatus status, String messageType, String source, Instant receivedFrom, Instant receivedTo) {}
