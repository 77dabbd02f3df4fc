package uk.linkwell.gateway.consent.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * The disclosure audit trail: {@link #record} puts a disclosure on a bounded in-memory queue and returns; one
 * background thread appends them to the {@link DisclosureTrail} in batches ({@code linkwell.consent.audit.batch-size}, at most
 * {@code max-delay} after the first of a batch arrived), one database transaction per batch. A failed batch is
 * retried with backoff until it is written; a full queue makes callers wait and, past {@code enqueue-timeout},
 * refuses the disclosure with {@link AuditUnavailableException} so it does not happen unaudited. A clean shutdown
 * writes everything still queued before the database goes away.
 */
public class DisclosureAuditWriter implements DisclosureAudit, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DisclosureAuditWriter.class);

    /**
     * Stops after the web server (graceful shutdown, Integer.MAX_VALUE - 1024 and - 2048) and Camel
     * (Integer.MAX_VALUE - 2049) have finished the requests and exchanges that disclose, and before HAPI's
     * scheduler (1000); the datasource closes only after every lifecycle has stopped.
     */
    public static final int PHASE = Integer.MAX_VALUE - 4096;

    private enum State {
        NEW,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final DisclosureTrail store;
    private final AuditProperties properties;
    private final BlockingQueue<Disclosure> queue;
    /** record() holds it shared while it enqueues; stop() takes it exclusively to close the door. */
    private final ReadWriteLock door = new ReentrantReadWriteLock();

    private volatile State state = State.NEW;
    private volatile Thread writer;
    private volatile long stopRequestedAt;

    private final Counter queued;
    private final Counter written;
    /** Disclosures taken from the queue into the batch now being gathered or written. */
    private final java.util.concurrent.atomic.AtomicInteger inBatch = new java.util.concurrent.atomic.AtomicInteger();

    private final Counter dropped;
    private final Counter refused;
    private final Counter backPressure;
    private final Counter synchronous;
    private final Counter batchFailures;
    private final Counter unresolvedReferences;
    private final Counter breakGlass;
    private final MeterRegistry meters;
    private final Timer batchTime;

    public DisclosureAuditWriter(DisclosureTrail store, AuditProperties properties, MeterRegistry meters) {
        this.store = store;
        this.properties = properties;
        this.meters = meters;
        this.queue = new ArrayBlockingQueue<>(properties.queueCapacity());
        this.queued = counter("linkwell.consent.audit.queued", "Disclosures accepted for the audit trail");
        this.written = counter("linkwell.consent.audit.written", "AuditEvents written");
        this.dropped = counter(
                "linkwell.consent.audit.dropped",
                "Accepted disclosures never written (a clean shutdown that could not reach the database; should be 0)");
        this.refused = counter(
                "linkwell.consent.audit.refused",
                "Disclosures refused because the audit queue stayed full (the caller must not disclose)");
        this.backPressure = counter(
                "linkwell.consent.audit.back-pressure",
                "Disclosures whose caller had to wait for room in a full audit queue");
        this.synchronous = counter(
                "linkwell.consent.audit.synchronous",
                "Disclosures written on the caller's thread because the writer had already stopped");
        this.batchFailures = counter(
                "linkwell.consent.audit.batch.failures", "Failed attempts to write an audit batch (each is retried)");
        this.unresolvedReferences = counter(
                "linkwell.consent.audit.unresolved-references",
                "References in written AuditEvents to resources no longer on the server (kept unversioned)");
        this.breakGlass = counter("linkwell.consent.audit.break-glass", "Break-glass disclosures recorded");
        this.batchTime = Timer.builder("linkwell.consent.audit.batch")
                .description("Writing one audit batch")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        Gauge.builder("linkwell.consent.audit.queue.depth", queue, BlockingQueue::size)
                .description("Disclosures waiting to be written")
                .register(meters);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(meters);
    }

    @Override
    public void record(Disclosure disclosure) {
        meters.counter(
                        "linkwell.consent.audit.decisions",
                        "decision",
                        disclosure.decision() == null ? "unknown" : disclosure.decision())
                .increment();
        if (disclosure.breakGlass()) {
            breakGlass.increment();
        }
        if ("deny".equals(disclosure.decision()) && !properties.writeDenied()) {
            return;
        }
        door.readLock().lock();
        try {
            if (state == State.STOPPED) {
                // A straggler after shutdown: nothing drains the queue any more, so it is written here.
                synchronous.increment();
                writeNow(new ArrayList<>(List.of(disclosure)));
                return;
            }
            if (queue.offer(disclosure)) {
                queued.increment();
                return;
            }
            backPressure.increment();
            if (queue.offer(disclosure, properties.enqueueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                queued.increment();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            door.readLock().unlock();
        }
        refused.increment();
        log.error(
                "Audit queue full for {}: disclosure refused (request {}, channel {})",
                properties.enqueueTimeout(),
                disclosure.requestId(),
                disclosure.channel());
        throw new AuditUnavailableException("the disclosure audit trail cannot take more records; try again later");
    }

    @Override
    public void start() {
        if (state != State.NEW) {
            return;
        }
        state = State.RUNNING;
        Thread thread = new Thread(this::drain, "disclosure-audit-writer");
        thread.setDaemon(false);
        writer = thread;
        thread.start();
    }

    @Override
    public void stop() {
        if (state != State.RUNNING) {
            return;
        }
        stopRequestedAt = System.nanoTime();
        state = State.STOPPING;
        Thread thread = writer;
        try {
            thread.join(properties.shutdownTimeout().plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        door.writeLock().lock();
        try {
            state = State.STOPPED;
            // What arrived while the writer was finishing; from now on record() writes synchronously.
            List<Disclosure> rest = new ArrayList<>();
            queue.drainTo(rest);
            if (!rest.isEmpty()) {
                int pending = rest.size();
                try {
                    writeNow(rest);
                } catch (RuntimeException e) {
                    dropped.increment(pending);
                    log.error(
                            "Audit trail: {} disclosures could not be written at shutdown and are lost: {}",
                            pending,
                            SafeErrorText.of(e));
                }
            }
        } finally {
            door.writeLock().unlock();
        }
        log.info("Audit trail stopped: {} AuditEvents written, {} dropped", (long) written.count(), (long)
                dropped.count());
    }

    @Override
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Disclosures waiting to be written. */
    public int queueDepth() {
        return queue.size();
    }

    /**
     * Disclosures accepted but not yet committed: those queued and those in the batch being gathered or written.
     * (Momentarily one low while a disclosure passes from the queue into the batch.)
     */
    public int backlog() {
        return queue.size() + inBatch.get();
    }

    private void drain() {
        while (true) {
            List<Disclosure> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                // Only the state ends this thread; an interrupt just means look at it again.
                continue;
            }
            if (batch.isEmpty()) {
                if (state != State.RUNNING) {
                    return;
                }
                continue;
            }
            boolean written = writeWithRetry(batch);
            inBatch.set(0);
            if (!written) {
                return;
            }
        }
    }

    /** Up to batch-size disclosures: waits for the first, then at most max-delay for the rest (none when stopping). */
    private List<Disclosure> nextBatch() throws InterruptedException {
        List<Disclosure> batch = new ArrayList<>(properties.batchSize());
        Disclosure first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
            return batch;
        }
        batch.add(first);
        inBatch.set(batch.size());
        long deadline = System.nanoTime() + properties.maxDelay().toNanos();
        while (batch.size() < properties.batchSize()) {
            queue.drainTo(batch, properties.batchSize() - batch.size());
            inBatch.set(batch.size());
            long left = deadline - System.nanoTime();
            if (batch.size() >= properties.batchSize() || left <= 0 || state != State.RUNNING) {
                break;
            }
            Disclosure next = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            if (next != null) {
                batch.add(next);
                inBatch.set(batch.size());
            }
        }
        return batch;
    }

    private boolean shutdownTimedOut() {
        return state != State.RUNNING
                && System.nanoTime() - stopRequestedAt
                        > properties.shutdownTimeout().toNanos();
    }

    /**
     * Writes the batch, retrying with backoff until it is written. Only a shutdown that cannot reach the database
     * within shutdown-timeout gives up: then it and whatever is still queued are counted as dropped, logged, and
     * false is returned.
     */
    private boolean writeWithRetry(List<Disclosure> pending) {
        int failures = 0;
        while (true) {
            try {
                writeNow(pending);
                return true;
            } catch (RuntimeException e) {
                failures++;
                batchFailures.increment();
                if (shutdownTimedOut()) {
                    List<Disclosure> rest = new ArrayList<>();
                    queue.drainTo(rest);
                    int lost = pending.size() + rest.size();
                    dropped.increment(lost);
                    log.error(
                            "Audit trail: shutting down with the database unavailable; {} disclosures are lost: {}",
                            lost,
                            SafeErrorText.of(e));
                    return false;
                }
                Duration delay = properties.backoffAfter(failures);
                if (state != State.RUNNING && delay.toMillis() > 1000) {
                    delay = Duration.ofSeconds(1);
                }
                log.error(
                        "Audit batch of {} failed (attempt {}), retrying in {}: {}",
                        pending.size(),
                        failures,
                        delay,
                        SafeErrorText.of(e));
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException interrupted) {
                    // stop() does not interrupt; carry on retrying.
                }
            }
        }
    }

    /** Writes the pending disclosures in one transaction and empties the list; database errors propagate (retried). */
    private void writeNow(List<Disclosure> pending) {
        Timer.Sample sample = Timer.start(meters);
        try {
            int gone = store.writeAll(pending);
            written.increment(pending.size());
            unresolvedReferences.increment(gone);
            pending.clear();
        } finally {
            sample.stop(batchTime);
        }
    }
}
