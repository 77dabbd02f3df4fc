package uk.linkwell.gateway.consent.audit;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the disclosure audit trail, under {@code linkwell.consent.audit}. */
@ConfigurationProperties(prefix = "linkwell.consent.audit")
public record AuditProperties(
        /* Most AuditEvents written in one database transaction. */
        Integer batchSize,
        /* Longest a recorded disclosure waits before its batch is written, however small the batch. */
        Duration maxDelay,
        /* Disclosures held in memory waiting to be written; when full, callers wait (back-pressure). */
        Integer queueCapacity,
        /* How long a caller waits for room in a full queue before the disclosure is refused (fail closed). */
        Duration enqueueTimeout,
        /* Delay before retrying a batch that failed; doubled for each further failure up to retry-max-delay. */
        Duration retryBaseDelay,
        Duration retryMaxDelay,
        /* How long a clean shutdown keeps trying to write what is still queued. */
        Duration shutdownTimeout,
        /* Whether denied disclosures are written too (outcome 4); they are counted in metrics either way. */
        Boolean writeDenied,
        /* Name of this gateway in AuditEvent.source.observer and the custodian agent. */
        String sourceName) {

    public AuditProperties {
        batchSize = batchSize == null ? 100 : batchSize;
        maxDelay = maxDelay == null ? Duration.ofMillis(500) : maxDelay;
        queueCapacity = queueCapacity == null ? 10_000 : queueCapacity;
        enqueueTimeout = enqueueTimeout == null ? Duration.ofSeconds(5) : enqueueTimeout;
        retryBaseDelay = retryBaseDelay == null ? Duration.ofSeconds(1) : retryBaseDelay;
        retryMaxDelay = retryMaxDelay == null ? Duration.ofSeconds(30) : retryMaxDelay;
        shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(30) : shutdownTimeout;
        writeDenied = writeDenied == null || writeDenied;
        sourceName = sourceName == null || sourceName.isBlank() ? "Linkwell gateway" : sourceName;
        if (batchSize < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException(
                    "linkwell.consent.audit.batch-size and queue-capacity must be at least 1");
        }
    }

    /** Delay before the next attempt after {@code failures} consecutive failed attempts (1, 2, ...). */
    public Duration backoffAfter(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 20);
        Duration delay = retryBaseDelay.multipliedBy(1L << doublings);
        return delay.compareTo(retryMaxDelay) > 0 ? retryMaxDelay : delay;
    }
}
