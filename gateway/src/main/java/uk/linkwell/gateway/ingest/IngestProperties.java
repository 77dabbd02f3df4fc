package uk.linkwell.gateway.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the worker that applies stored inbound messages, under {@code linkwell.ingest}. */
@ConfigurationProperties(prefix = "linkwell.ingest")
public record IngestProperties(
        /* Whether this instance applies stored messages (off: it only receives). */
        Boolean workerEnabled,
        /* Messages applied at once by this instance. */
        Integer poolSize,
        /* How often the worker looks for due messages when it found none. */
        Duration pollInterval,
        /* Largest number of messages claimed in one go. */
        Integer claimBatchSize,
        /* Most messages one worker thread applies in one database transaction (1: each in its own). */
        Integer applyBatchSize,
        /* How long a claim holds unless renewed; the worker renews it while it works (a crashed instance's lapses). */
        Duration claimLease,
        /* This instance's name in its claims; empty: a name kept in the data folder, made on first start. */
        String instanceId,
        /* Attempts before a message that keeps failing with a retryable error is parked as failed. */
        Integer maxAttempts,
        /* Delay before the first retry; doubled for each further attempt. */
        Duration retryBaseDelay,
        /* Longest delay between attempts. */
        Duration retryMaxDelay) {

    public IngestProperties {
        workerEnabled = workerEnabled == null || workerEnabled;
        poolSize = poolSize == null ? 4 : poolSize;
        pollInterval = pollInterval == null ? Duration.ofMillis(200) : pollInterval;
        claimBatchSize = claimBatchSize == null ? 50 : claimBatchSize;
        applyBatchSize = applyBatchSize == null ? 10 : Math.max(1, applyBatchSize);
        claimLease = claimLease == null ? Duration.ofSeconds(30) : claimLease;
        instanceId = instanceId == null ? "" : instanceId.trim();
        maxAttempts = maxAttempts == null ? 5 : maxAttempts;
        retryBaseDelay = retryBaseDelay == null ? Duration.ofSeconds(2) : retryBaseDelay;
        retryMaxDelay = retryMaxDelay == null ? Duration.ofMinutes(10) : retryMaxDelay;
    }

    /** Delay before the next attempt after {@code attempts} attempts (1, 2, ...): base, 2 x base, 4 x base ... */
    public Duration backoffAfter(int attempts) {
        int doublings = Math.min(Math.max(attempts - 1, 0), 20);
        Duration delay = retryBaseDelay.multipliedBy(1L << doublings);
        return delay.compareTo(retryMaxDelay) > 0 ? retryMaxDelay : delay;
    }
}
