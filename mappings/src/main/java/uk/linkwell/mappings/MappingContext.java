package uk.linkwell.mappings;

import java.time.Instant;
import java.util.Objects;

/**
 * What a mapper needs from outside the message: the Bundle's id and the time the message was received,
 * so that mappers never read a clock or invent ids and golden files stay stable.
 */
public record MappingContext(String bundleId, Instant receivedAt) {
    public MappingContext {
        Objects.requireNonNull(bundleId, "bundleId");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
