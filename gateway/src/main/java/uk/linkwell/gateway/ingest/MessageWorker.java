package uk.linkwell.gateway.ingest;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;

/**
 * Claims due messages from the store and applies them on {@code linkwell.ingest.pool-size} threads, each taking up
 * to {@code apply-batch-size} messages into one database transaction: translation or validation errors park a
 * message as failed at once; other errors (database, timeouts, conflicts) retry with exponential backoff up to
 * {@code max-attempts}, then park it. A group that fails is applied again message by message, so only the message
 * at fault is retried or parked.
 */
@Component
public class MessageWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MessageWorker.class);

    private final MessageStore store;
    private final MessageApplication application;
    private final Map<String, InboundTranslator> translators;
    private final IngestProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Timer processingTime;
    private final Semaphore free;
    private volatile ExecutorService pool;
    private volatile Thread poller;
    private volatile boolean running;
    private final PlannerStatistics statistics;

    public MessageWorker(
            MessageStore store,
            MessageApplication application,
            List<InboundTranslator> translators,
            IngestProperties properties,
            MeterRegistry meters,
            Clock clock,
            PlannerStatistics statistics) {
        this.statistics = statistics;
        this.store = store;
        this.application = application;
        this.translators =
                translators.stream().collect(Collectors.toMap(InboundTranslator::source, Function.identity()));
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.processingTime = Timer.builder("linkwell.ingest.processing")
                .description("Applying one stored message")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.free = new Semaphore(properties.poolSize());
    }

    @Override
    public void start() {
        if (!properties.workerEnabled()) {
            return;
        }
        running = true;
        pool = Executors.newFixedThreadPool(properties.poolSize(), named("ingest-worker"));
        poller = named("ingest-poller").newThread(this::poll);
        poller.start();
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
                // A busy feed grows HAPI's tables quickly: the planner must know (see PlannerStatistics).
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
        try {
            InboundTranslator translator = translators.get(message.getSource());
            if (translator == null) {
                throw new UnprocessableMessageException("no translator for source " + message.getSource());
            }
            // Translated afresh: a failed group's attempt may have changed the Bundle it was given.
            Bundle bundle = translator.translate(message);
            List<String> produced = application.apply(message, bundle, translator.senderDisplay(message));
            outcome("done");
            log.info(
                    "Inbound message {} (control id {}) applied: {} resources",
                    id,
                    message.getControlId(),
                    produced.size());
        } catch (UnprocessableMessageException e) {
            park(id, e.getMessage(), "failed");
        } catch (Exception e) {
            if (retryable(e)) {
                retryOrPark(id, message, SafeErrorText.of(e));
            } else {
                park(id, SafeErrorText.of(e), "failed");
            }
        } finally {
            sample.stop(processingTime);
        }
    }

    /** FHIR errors other than conflicts are about the content (422 validation, 412 ambiguous match, 400): final. */
    static boolean retryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ResourceVersionConflictException) {
                return true;
            }
            if (t instanceof BaseServerResponseException hapi) {
                return hapi.getStatusCode() >= 500;
            }
        }
        return true;
    }

    private void retryOrPark(long id, InboundMessage message, String error) {
        int attempts = message == null ? 1 : message.getAttempts();
        if (attempts >= properties.maxAttempts()) {
            park(id, "gave up after " + attempts + " attempts: " + error, "failed");
            return;
        }
        Instant next = clock.instant().plus(properties.backoffAfter(attempts));
        log.warn("Inbound message {} attempt {} failed, retrying at {}: {}", id, attempts, next, error);
        outcome("retry");
        recordFailure(id, error, next);
    }

    private void park(long id, String error, String outcome) {
        log.warn("Inbound message {} parked as failed: {}", id, error);
        outcome(outcome);
        recordFailure(id, error, null);
    }

    private void recordFailure(long id, String error, Instant next) {
        try {
            store.recordFailure(id, error, next);
        } catch (RuntimeException e) {
            // The database is away: the claim's lease runs out and the message is taken again.
            log.warn("Could not record the failure of inbound message {}: {}", id, SafeErrorText.of(e));
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
