package uk.linkwell.gateway.ingest.queue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.hapi.StoreStatistics;
import uk.linkwell.gateway.ingest.IngestProperties;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.write.MessageApplication;

/**
 * Claims due messages from the store and applies them on {@code linkwell.ingest.pool-size} threads, each taking up
 * to {@code apply-batch-size} messages into one database transaction. What a failure means is {@link ApplyFailure}'s
 * to say: content problems park the message as failed at once with a plain-words reason, and only a database that
 * was away, a lock wait or a collision with another transaction is retried with exponential backoff, up to
 * {@code max-attempts}. A group that fails is applied again message by message, so only the message at fault is
 * retried or parked. A source with an {@link InboundJob} (a CLD batch file) is run by its job, which writes in
 * transactions of its own, and marked done when the job returns.
 * <p>
 * Claims carry this instance's name and a short lease ({@code claim-lease}) that a renewer keeps extending while
 * the messages are being applied: another instance takes a message over only from an instance that stopped
 * renewing (it died, or lost the database), and this instance takes back its own earlier claims at start-up. A
 * failure that cannot be recorded (the database is away) is recorded again as soon as it can be.
 */
@Component
public class MessageWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MessageWorker.class);

    private final MessageStore store;
    private final MessageApplication application;
    private final Map<String, InboundTranslator> translators;
    private final Map<String, InboundJob> jobs;
    private final IngestProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Timer processingTime;
    private final Semaphore free;
    private final StoreStatistics statistics;
    /** The messages this instance has claimed and not settled: their leases are renewed. */
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    /** Failures that could not be recorded when they happened, recorded again by the renewer. */
    private final Queue<Unrecorded> unrecorded = new ConcurrentLinkedQueue<>();

    private volatile ExecutorService pool;
    private volatile Thread poller;
    private volatile ScheduledExecutorService renewer;
    private volatile boolean running;

    private record Unrecorded(InboundMessage message, String reason, Instant retryAt) {}

    public MessageWorker(
            MessageStore store,
            MessageApplication application,
            List<InboundTranslator> translators,
            List<InboundJob> jobs,
            IngestProperties properties,
            MeterRegistry meters,
            Clock clock,
            StoreStatistics statistics) {
        this.statistics = statistics;
        this.store = store;
        this.application = application;
        this.translators =
                translators.stream().collect(Collectors.toMap(InboundTranslator::source, Function.identity()));
        this.jobs = jobs.stream().collect(Collectors.toMap(InboundJob::source, Function.identity()));
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.processingTime = Timer.builder("linkwell.ingest.processing")
                .description("Applying one stored message")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.free = new Semaphore(properties.poolSize());
        meters.gauge("linkwell.ingest.in-flight", inFlight, Set::size);
    }

    @Override
    public void start() {
        if (!properties.workerEnabled()) {
            return;
        }
        running = true;
        takeBackOwnClaims();
        pool = Executors.newFixedThreadPool(properties.poolSize(), named("ingest-worker"));
        long every = Math.max(properties.claimLease().toMillis() / 3, 100);
        renewer = Executors.newSingleThreadScheduledExecutor(named("ingest-claim-renewer"));
        renewer.scheduleWithFixedDelay(this::renewAndRecord, every, every, TimeUnit.MILLISECONDS);
        poller = named("ingest-poller").newThread(this::poll);
        poller.start();
    }

    /** What this instance claimed before it stopped (or crashed) is due again now, not when its lease lapses. */
    private void takeBackOwnClaims() {
        try {
            int taken = store.releaseOwnClaims();
            if (taken > 0) {
                log.info(
                        "Took back {} inbound messages this instance ({}) had claimed before it stopped",
                        taken,
                        store.instanceId());
            }
        } catch (RuntimeException e) {
            log.warn(
                    "Could not take back this instance's earlier claims (their leases will lapse): {}",
                    SafeErrorText.of(e));
        }
    }

    @Override
    public void stop() {
        running = false;
        if (poller != null) {
            poller.interrupt();
        }
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (renewer != null) {
            renewer.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Stops before the database and Camel go away, starts after them.
        return Integer.MAX_VALUE - 100;
    }

    /** Renews the leases of the messages being applied, and records the failures that could not be recorded. */
    void renewAndRecord() {
        try {
            store.renewClaims(Set.copyOf(inFlight), properties.claimLease());
        } catch (RuntimeException e) {
            log.warn("Could not renew the claims on {} inbound messages: {}", inFlight.size(), SafeErrorText.of(e));
        }
        Unrecorded next;
        while ((next = unrecorded.peek()) != null) {
            try {
                store.recordFailure(next.message(), next.reason(), next.retryAt());
            } catch (RuntimeException e) {
                return; // still away: the claim's lease is the limit, and the next round tries again
            }
            unrecorded.poll();
            inFlight.remove(next.message().getId());
        }
    }

    private void poll() {
        while (running) {
            try {
                // One permit per worker thread; each claim fills one thread with a group of messages.
                free.acquire();
                List<InboundMessage> claimed;
                try {
                    claimed = store.claimMessages(
                            Math.min(properties.applyBatchSize(), properties.claimBatchSize()),
                            properties.claimLease());
                } catch (RuntimeException e) {
                    log.warn("Could not claim inbound messages: {}", SafeErrorText.of(e));
                    claimed = List.of();
                }
                if (claimed.isEmpty()) {
                    free.release();
                    Thread.sleep(properties.pollInterval().toMillis());
                    continue;
                }
                claimed.forEach(m -> inFlight.add(m.getId()));
                // A busy feed grows HAPI's tables quickly: the planner must know (see StoreStatistics).
                statistics.refreshIfDue();
                List<InboundMessage> group = claimed;
                pool.execute(() -> {
                    try {
                        processGroup(group);
                    } finally {
                        free.release();
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("Inbound message poller error: {}", SafeErrorText.of(e));
            }
        }
    }

    /**
     * Applies claimed messages: those whose translator allows it together in one transaction, the others (and all
     * of them again if the group fails) one by one. A claim never holds two open messages with one ordering key, so
     * a group never holds two messages of one patient.
     */
    void processGroup(List<InboundMessage> messages) {
        List<MessageApplication.Translated> together = new ArrayList<>();
        List<InboundMessage> alone = new ArrayList<>();
        for (InboundMessage message : messages) {
            InboundTranslator translator = translators.get(message.getSource());
            if (messages.size() > 1 && translator != null && translator.appliesInGroups()) {
                try {
                    together.add(new MessageApplication.Translated(
                            message, translator.translate(message), translator.senderDisplay(message)));
                } catch (UnprocessableMessageException | RuntimeException e) {
                    alone.add(message); // fails again on its own, and is settled there
                }
            } else {
                alone.add(message);
            }
        }
        if (together.size() == 1) {
            alone.add(together.remove(0).message());
        }
        if (!together.isEmpty()) {
            long start = System.nanoTime();
            try {
                List<List<String>> produced = application.applyAll(together);
                meters.counter("linkwell.ingest.groups", "outcome", "applied").increment();
                long each = (System.nanoTime() - start) / together.size();
                for (int i = 0; i < together.size(); i++) {
                    InboundMessage message = together.get(i).message();
                    processingTime.record(each, TimeUnit.NANOSECONDS);
                    outcome("done");
                    inFlight.remove(message.getId());
                    log.info(
                            "Inbound message {} (control id {}) applied: {} resources",
                            message.getId(),
                            message.getControlId(),
                            produced.get(i).size());
                }
            } catch (RuntimeException e) {
                meters.counter("linkwell.ingest.groups", "outcome", "split").increment();
                log.info(
                        "Group of {} inbound messages not applied together, applying them one by one: {}",
                        together.size(),
                        SafeErrorText.of(e));
                together.forEach(t -> alone.add(t.message()));
            }
        }
        for (InboundMessage message : alone) {
            process(message);
        }
    }

    void process(InboundMessage message) {
        Timer.Sample sample = Timer.start(meters);
        long id = message.getId();
        InboundTranslator translator = translators.get(message.getSource());
        InboundJob job = jobs.get(message.getSource());
        try {
            if (job != null) {
                job.run(message);
                store.markRun(message);
                outcome("done");
                inFlight.remove(id);
                log.info("Inbound message {} (control id {}) applied as a job", id, message.getControlId());
                return;
            }
            if (translator == null) {
                throw new UnprocessableMessageException("no translator for source " + message.getSource());
            }
            // Translated afresh: a failed group's attempt may have changed the Bundle it was given.
            Bundle bundle = translator.translate(message);
            List<String> produced = application.apply(message, bundle, translator.senderDisplay(message));
            outcome("done");
            inFlight.remove(id);
            log.info(
                    "Inbound message {} (control id {}) applied: {} resources",
                    id,
                    message.getControlId(),
                    produced.size());
        } catch (UnmatchedMessageException e) {
            setAside(message, e.getMessage());
        } catch (MessageStore.ClaimLostException e) {
            // Another instance took the message over after this one's lease lapsed: its attempt is the one that counts.
            inFlight.remove(id);
            log.info("Inbound message {} (control id {}): {}", id, message.getControlId(), e.getMessage());
        } catch (Exception e) {
            ApplyFailure failure = ApplyFailure.of(e, translator == null ? null : translator::origin);
            if (failure.retryable()) {
                retryOrPark(message, failure.reason(), e);
            } else {
                park(message, failure.reason(), e);
            }
        } finally {
            sample.stop(processingTime);
        }
    }

    private void retryOrPark(InboundMessage message, String reason, Exception cause) {
        int attempts = message.getAttempts();
        if (attempts >= properties.maxAttempts()) {
            park(message, "gave up after " + attempts + " attempts: " + reason, cause);
            return;
        }
        Instant next = clock.instant().plus(properties.backoffAfter(attempts));
        log.warn(
                "Inbound message {} (control id {}) attempt {} failed, retrying at {}: {}",
                message.getId(),
                message.getControlId(),
                attempts,
                next,
                SafeErrorText.of(cause));
        outcome("retry");
        recordFailure(message, reason, next);
    }

    private void park(InboundMessage message, String reason, Exception cause) {
        // The stored reason is for the operator; the technical text (masked: no values) is for whoever reads logs.
        String technical = cause instanceof UnprocessableMessageException ? "" : " [" + SafeErrorText.of(cause) + "]";
        log.warn(
                "Inbound message {} (control id {}) parked as failed: {}{}",
                message.getId(),
                message.getControlId(),
                reason,
                technical);
        if (internal(cause)) {
            // Not the sender's fault and not the database's: a bug of ours, whose trace is wanted.
            log.error("Inbound message {} failed with an unexpected error", message.getId(), cause);
        }
        outcome("failed");
        recordFailure(message, reason, null);
    }

    /** Not applied and not the sender's fault: the message waits as unmatched until an operator reprocesses it. */
    private void setAside(InboundMessage message, String reason) {
        log.info(
                "Inbound message {} (control id {}) set aside as unmatched: {}",
                message.getId(),
                message.getControlId(),
                reason);
        outcome("unmatched");
        try {
            store.recordUnmatched(message, reason);
        } catch (RuntimeException e) {
            // The database is away: left claimed, its lease lapses and it is judged again when it is claimed next.
            log.warn("Could not set inbound message {} aside yet: {}", message.getId(), SafeErrorText.of(e));
        } finally {
            inFlight.remove(message.getId());
        }
    }

    /** An error that is neither about the message's content nor the database's: its stack trace helps. */
    private static boolean internal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnprocessableMessageException
                    || t instanceof ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException
                    || t instanceof org.springframework.dao.DataAccessException
                    || t instanceof java.sql.SQLException
                    || t instanceof jakarta.persistence.PersistenceException) {
                return false; // their texts can quote values; the masked summary is logged instead
            }
        }
        return true;
    }

    private void recordFailure(InboundMessage message, String reason, Instant next) {
        try {
            store.recordFailure(message, reason, next);
            inFlight.remove(message.getId());
        } catch (RuntimeException e) {
            // The database is away: recorded again as soon as it answers (the lease is renewed meanwhile).
            log.warn(
                    "Could not record the failure of inbound message {} yet: {}", message.getId(), SafeErrorText.of(e));
            unrecorded.add(new Unrecorded(message, reason, next));
        }
    }

    private void outcome(String outcome) {
        meters.counter("linkwell.ingest.processed", "outcome", outcome).increment();
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
