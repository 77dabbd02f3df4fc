package uk.linkwell.gateway.ingest.socialcare.batch;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.fhir.ProfileValidationInterceptor;
import uk.linkwell.gateway.hapi.EntryWriter;
import uk.linkwell.gateway.hapi.IdentityLocks;
import uk.linkwell.gateway.hapi.StoreStatistics;
import uk.linkwell.gateway.ingest.IngestProperties;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.queue.ApplyFailure;
import uk.linkwell.gateway.ingest.queue.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.write.InboundProvenance;
import uk.linkwell.mappings.socialcare.cld.CldFileException;
import uk.linkwell.mappings.socialcare.cld.CldMapper;
import uk.linkwell.mappings.socialcare.cld.CldReader;
import uk.linkwell.mappings.socialcare.cld.CldRowError;
import uk.linkwell.mappings.socialcare.cld.CldRowException;

/**
 * Applies a stored CLD file in chunks of about {@code linkwell.socialcare.batch.chunk-size} rows: each chunk is
 * written through HAPI's DAO layer (see {@link EntryWriter}) in one database transaction, committed
 * with the chunk's progress, its bad rows and a Provenance, so a restart resumes after the last committed chunk
 * and no row is lost or applied twice (and every entry is a create-if-absent, so applying one again would change
 * nothing anyway). A chunk the store refuses is applied again row by row, so the good rows land and the one at
 * fault is reported.
 * <p>
 * Up to {@code writers} chunks are written at once, each on its own thread and database transaction, but they
 * commit strictly in file order, and two chunks that name a resource in common (every row names its Patient,
 * so any two rows of one person) are never in flight together: the later one starts when the earlier has
 * committed. So rows still apply as if one after another in file order.
 */
@Component
public class CldBatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(CldBatchProcessor.class);

    /** Longest a chunk waits for the creation locks of what it writes (see {@link #write}). */
    static final Duration CREATION_LOCK_WAIT = Duration.ofSeconds(10);

    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final CldBatchStore batches;
    private final MessageStore messages;
    private final CldBatchProperties properties;
    private final IngestProperties ingest;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final StoreStatistics statistics;
    private final EntryWriter writer;
    private final IdentityLocks creationLocks;

    @PersistenceContext
    private EntityManager entityManager;

    public CldBatchProcessor(
            IFhirSystemDao<Bundle, ?> systemDao,
            CldBatchStore batches,
            MessageStore messages,
            CldBatchProperties properties,
            IngestProperties ingest,
            PlatformTransactionManager transactionManager,
            Clock clock,
            StoreStatistics statistics,
            EntryWriter writer,
            IdentityLocks creationLocks) {
        this.systemDao = systemDao;
        this.batches = batches;
        this.messages = messages;
        this.properties = properties;
        this.ingest = ingest;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.statistics = statistics;
        this.writer = writer;
        this.creationLocks = creationLocks;
    }

    /** One entry of the file: a mapped row, or why it is bad. */
    private record Pending(long line, List<Bundle.BundleEntryComponent> entries, CldRowError error) {}

    /** Rows from one position of the file on, applied and settled together; the keys name what they write. */
    private static final class Chunk {
        final List<Pending> rows = new ArrayList<>();
        final Set<String> keys = new HashSet<>();
        long settledBefore;

        void add(Pending pending) {
            rows.add(pending);
            if (pending.entries() != null) {
                pending.entries().forEach(e -> keys.add(e.getFullUrl()));
            }
        }

        /** Whether the row writes a resource this chunk writes too (its Patient, above all). */
        boolean shares(Pending pending) {
            return pending.entries() != null && pending.entries().stream().anyMatch(e -> keys.contains(e.getFullUrl()));
        }
    }

    /** A chunk handed to a writer: done when it has committed (or failed). */
    private record InFlight(Chunk chunk, CompletableFuture<Long> committed) {}

    /** Applies what is left of the file (all of it the first time). */
    public void process(InboundMessage message) throws UnprocessableMessageException {
        long id = message.getId();
        CldBatch batch = batches.open(id, message.getSender(), null);
        if (batch.getRowsTotal() == null) {
            batches.start(id, count(message));
        }
        CldReader reader = open(message);
        CldMapper mapper = new CldMapper(batch.getLocalAuthority());
        long settled = batch.getRowsProcessed();
        if (settled > 0) {
            log.info("CLD batch {}: resuming after {} settled rows", id, settled);
        }
        transaction.executeWithoutResult(tx -> messages.extendClaim(id, ingest.claimLease()));
        int writers = properties.writers();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers, r -> {
            Thread t = new Thread(r, "cld-writer-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Deque<InFlight> inFlight = new ArrayDeque<>();
        // The council's Organization is in every chunk: once a chunk with good rows has committed it exists (and,
        // referenced, cannot be deleted), so chunks no longer collide on it.
        boolean[] councilExists = {false};
        String[] councilKey = {null};
        try {
            long seen = 0;
            long position = settled;
            Chunk chunk = new Chunk();
            while (reader.hasNext()) {
                CldReader.Entry entry = reader.next();
                seen++;
                // Rows settled before a restart are mapped again (not applied): the mapper remembers the file's people.
                Pending pending = map(mapper, entry);
                if (seen <= settled) {
                    continue;
                }
                if (councilKey[0] == null && pending.entries() != null) {
                    councilKey[0] = pending.entries().stream()
                            .filter(e -> e.getResource() instanceof Organization)
                            .map(Bundle.BundleEntryComponent::getFullUrl)
                            .findFirst()
                            .orElse(null);
                }
                // A full chunk takes on the rows that follow while they write what it writes (the same person's
                // next rows, in a file sorted by person), up to twice its size: chunks then rarely share a
                // Patient and can be in flight together.
                int size = chunk.rows.size();
                boolean full = size >= properties.chunkSize()
                        && (size >= 2 * properties.chunkSize()
                                || !chunk.shares(withoutCouncil(pending, councilKey[0])));
                if (full) {
                    chunk.settledBefore = position;
                    position += chunk.rows.size();
                    submit(message, chunk, inFlight, pool, writers, councilExists, councilKey[0]);
                    chunk = new Chunk();
                    // The batch grows HAPI's tables many times over: the planner must know (see StoreStatistics).
                    statistics.refreshIfDue();
                }
                chunk.add(pending);
            }
            if (!chunk.rows.isEmpty()) {
                chunk.settledBefore = position;
                submit(message, chunk, inFlight, pool, writers, councilExists, councilKey[0]);
            }
            while (!inFlight.isEmpty()) {
                await(inFlight.pollFirst(), councilExists);
            }
        } catch (RuntimeException e) {
            // Nothing may still be writing when the worker retries the batch from its last committed chunk.
            inFlight.forEach(f -> f.committed().exceptionally(t -> 0L).join());
            throw e;
        } finally {
            pool.shutdown();
        }
        batches.finish(id);
        CldBatch done = batches.find(id).orElseThrow();
        log.info(
                "CLD batch {} completed: {} rows, {} landed, {} bad",
                id,
                done.getRowsProcessed(),
                done.getRowsLanded(),
                done.getRowsBad());
    }

    private static Pending withoutCouncil(Pending pending, String councilKey) {
        if (pending.entries() == null || councilKey == null) {
            return pending;
        }
        return new Pending(
                pending.line(),
                pending.entries().stream()
                        .filter(e -> !councilKey.equals(e.getFullUrl()))
                        .toList(),
                null);
    }

    /**
     * Hands the chunk to a writer once a writer is free and no chunk in flight writes a resource it writes:
     * two transactions creating one resource would block each other (and the later one, waiting to commit
     * after the earlier, could then wait for ever).
     */
    private void submit(
            InboundMessage message,
            Chunk chunk,
            Deque<InFlight> inFlight,
            ExecutorService pool,
            int writers,
            boolean[] councilExists,
            String councilKey) {
        while (true) {
            if (councilExists[0] && councilKey != null) {
                chunk.keys.remove(councilKey);
            }
            InFlight latestClash = null;
            for (InFlight f : inFlight) {
                if (!Collections.disjoint(f.chunk().keys, chunk.keys)) {
                    latestClash = f;
                }
            }
            if (latestClash == null && inFlight.size() < writers) {
                break;
            }
            // Chunks commit in order, so waiting for the oldest is never wasted.
            await(inFlight.pollFirst(), councilExists);
        }
        CompletableFuture<Long> predecessor = inFlight.isEmpty()
                ? CompletableFuture.completedFuture(0L)
                : inFlight.peekLast().committed();
        CompletableFuture<Long> committed =
                CompletableFuture.supplyAsync(() -> apply(message, chunk, predecessor), pool);
        inFlight.addLast(new InFlight(chunk, committed));
    }

    /** Waits for a chunk to commit; rethrows what made it fail. */
    private static void await(InFlight f, boolean[] councilExists) {
        try {
            if (f.committed().join() > 0) {
                councilExists[0] = true;
            }
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static CldReader open(InboundMessage message) throws UnprocessableMessageException {
        try {
            return CldReader.open(message.getBody());
        } catch (CldFileException e) {
            throw new UnprocessableMessageException(e.getMessage());
        }
    }

    private static long count(InboundMessage message) throws UnprocessableMessageException {
        CldReader reader = open(message);
        long total = 0;
        while (reader.hasNext()) {
            reader.next();
            total++;
        }
        return total;
    }

    private static Pending map(CldMapper mapper, CldReader.Entry entry) {
        if (entry.error() != null) {
            return new Pending(entry.lineNumber(), null, entry.error());
        }
        try {
            return new Pending(entry.lineNumber(), mapper.map(entry.row()), null);
        } catch (CldRowException e) {
            return new Pending(entry.lineNumber(), null, e.at(entry.lineNumber()));
        }
    }

    /**
     * Writes a chunk, waits for the chunk before it to commit, then settles it in the same transaction: returns
     * the rows that landed. A chunk the store refuses is applied row by row, each row settled on its own.
     */
    private long apply(InboundMessage message, Chunk chunk, CompletableFuture<Long> predecessor) {
        long id = message.getId();
        List<Pending> rows = chunk.rows;
        List<Pending> good = rows.stream().filter(p -> p.entries() != null).toList();
        List<CldRowError> bad =
                rows.stream().filter(p -> p.error() != null).map(Pending::error).toList();
        try {
            transaction.executeWithoutResult(tx -> {
                write(message, good);
                awaitCommitted(predecessor);
                batches.settle(id, chunk.settledBefore, rows.size(), good.size(), bad);
                messages.extendClaim(id, ingest.claimLease());
            });
            return good.size();
        } catch (RuntimeException e) {
            // The chunk is at fault, not the database, unless the one classification says another attempt may do.
            if (ApplyFailure.of(e, null).retryable()) {
                throw e;
            }
            log.warn(
                    "CLD batch {}: the store refused a chunk of {} rows from line {} ({}); applying them one by one",
                    id,
                    rows.size(),
                    rows.get(0).line(),
                    SafeErrorText.of(e));
        }
        awaitCommitted(predecessor);
        long position = chunk.settledBefore;
        long landed = 0;
        for (Pending pending : rows) {
            long before = position;
            if (pending.error() != null) {
                batches.settleAlone(id, before, 1, 0, List.of(pending.error()));
                position++;
                continue;
            }
            try {
                transaction.executeWithoutResult(tx -> {
                    write(message, List.of(pending));
                    batches.settle(id, before, 1, 1, List.of());
                    messages.extendClaim(id, ingest.claimLease());
                });
                landed++;
            } catch (RuntimeException e) {
                ApplyFailure failure = ApplyFailure.of(e, null);
                if (failure.retryable()) {
                    throw e;
                }
                batches.settleAlone(
                        id,
                        before,
                        1,
                        0,
                        List.of(new CldRowError(pending.line(), "", "refused by the FHIR store: " + failure.reason())));
            }
            position++;
        }
        return landed;
    }

    /**
     * Waits (holding this chunk's transaction open) until the chunk before has committed; fails, rolling this
     * one back, if it failed. The wait is bounded by the claim's lease: a chunk that long overdue means
     * something is stuck, and the worker's retry starts again from the last committed chunk.
     */
    private void awaitCommitted(CompletableFuture<Long> predecessor) {
        try {
            predecessor.get(ingest.claimLease().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the previous chunk", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the previous chunk did not commit within the claim lease", e);
        } catch (ExecutionException e) {
            throw new PreviousChunkFailed(e.getCause());
        }
    }

    /** The chunk before failed, so this one must not commit (the worker retries from the last committed one). */
    static final class PreviousChunkFailed extends RuntimeException {
        PreviousChunkFailed(Throwable cause) {
            super("the previous chunk failed", cause);
        }
    }

    /**
     * Applies the rows' entries in the caller's database transaction (see {@link EntryWriter}), with a
     * Provenance of what they created.
     */
    private void write(InboundMessage message, List<Pending> rows) {
        if (rows.isEmpty()) {
            return;
        }
        // The chunk goes as several Bundles, all in its one database transaction; a resource a later Bundle names
        // again is then found in the store. (Smaller Bundles keep each flush, and each look-up, small.)
        List<Bundle> bundles = new ArrayList<>();
        int size = properties.bundleRows();
        for (int from = 0; from < rows.size(); from += size) {
            bundles.add(CldMapper.transaction(rows.subList(from, Math.min(rows.size(), from + size)).stream()
                    .map(Pending::entries)
                    .toList()));
        }
        // Before anything is written: a live event creating one of these records waits for this chunk to commit.
        // The wait for them is bounded: this chunk, once written, waits for the one before it outside the
        // database, where PostgreSQL cannot see a deadlock (that chunk waiting here for a live event's lock,
        // the live event for a lock this one holds). Past the bound the chunk fails and the batch is retried.
        creationLocks.lockIdentitiesToCreate(bundles, CREATION_LOCK_WAIT);
        SystemRequestDetails request = new SystemRequestDetails();
        if (!properties.validateWrites()) {
            request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        }
        EntryWriter.Run run = writer.begin(request);
        List<IdType> created = new ArrayList<>();
        for (Bundle bundle : bundles) {
            created.addAll(run.write(bundle)
                    .map(EntryWriter.Written::created)
                    .orElseGet(() -> asTransaction(bundle, request)));
            // Letting go of the written entities keeps every later flush (Hibernate checks each managed entity) as
            // small as one Bundle's; they must reach the database first.
            entityManager.flush();
            entityManager.clear();
        }
        if (!created.isEmpty()) {
            Provenance provenance = provenance(message, created);
            if (run.resolvedAll(created)) {
                // Every target's database id is known: HAPI looks none of them up.
                run.create(provenance, new SystemRequestDetails());
            } else {
                // As a one-entry transaction HAPI resolves all its targets in one query up front, where a create
                // would look each one up on its own, flushing the session every time.
                Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
                transaction
                        .addEntry()
                        .setResource(provenance)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Provenance");
                systemDao.transactionNested(new SystemRequestDetails(), transaction);
            }
        }
    }

    /** A Bundle the writer leaves to HAPI, applied as one FHIR transaction; returns the ids it created. */
    private List<IdType> asTransaction(Bundle bundle, SystemRequestDetails request) {
        List<IdType> created = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry :
                systemDao.transactionNested(request, bundle).getEntry()) {
            if (entry.hasResponse()
                    && entry.getResponse().getStatus() != null
                    && entry.getResponse().getStatus().startsWith("201")
                    && entry.getResponse().hasLocation()) {
                created.add(new IdType(entry.getResponse().getLocation()));
            }
        }
        return created;
    }

    private Provenance provenance(InboundMessage message, List<IdType> created) {
        Provenance provenance = InboundProvenance.of(
                message,
                clock.instant(),
                InboundProvenance.Activity.CREATE,
                "local authority " + message.getSender() + " (CLD batch)",
                "CLD batch " + message.getId());
        created.forEach(id -> provenance.addTarget(new Reference(id.getValue())));
        return provenance;
    }
}
