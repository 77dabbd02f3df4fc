package uk.linkwell.gateway.ingest.socialcare.batch;

import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.mappings.socialcare.cld.CldRowError;

/** Progress rows and error reports of CLD batches, in the same database (and persistence unit) as the FHIR store. */
@Component
public class CldBatchStore {

    @PersistenceContext
    private EntityManager entityManager;

    private final TransactionTemplate newTransaction;
    private final Clock clock;

    public CldBatchStore(PlatformTransactionManager transactionManager, Clock clock) {
        this.newTransaction = new TransactionTemplate(transactionManager);
        this.newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** The batch of a stored file, created (in its own transaction) when it does not exist yet. */
    public CldBatch open(long id, String localAuthority, String clientId) {
        try {
            return newTransaction.execute(tx -> {
                CldBatch batch = entityManager.find(CldBatch.class, id);
                if (batch == null) {
                    batch = new CldBatch(id, localAuthority, clientId, clock.instant());
                    entityManager.persist(batch);
                }
                return batch;
            });
        } catch (org.springframework.dao.DataIntegrityViolationException raced) {
            // The file is stored before its batch row is opened, so the worker may have opened it meanwhile.
            return find(id).orElseThrow(() -> raced);
        }
    }

    public Optional<CldBatch> find(long id) {
        return Optional.ofNullable(newTransaction.execute(tx -> entityManager.find(CldBatch.class, id)));
    }

    /** Records the row count once the file has been read through. */
    public void start(long id, long total) {
        newTransaction.executeWithoutResult(
                tx -> entityManager.find(CldBatch.class, id).start(total, clock.instant()));
    }

    public void finish(long id) {
        newTransaction.executeWithoutResult(
                tx -> entityManager.find(CldBatch.class, id).finish(clock.instant()));
    }

    /**
     * Settles entries of the file in the caller's transaction (the one that wrote their resources): the
     * processed count moves on, and the bad ones are recorded.
     */
    public void settle(long id, long settledBefore, long processed, long landed, List<CldRowError> errors) {
        // The row lock and the offset check make a run that lost its claim (a lease that ran out while it was
        // still going) roll back instead of settling rows a second time.
        CldBatch batch = entityManager.find(CldBatch.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (batch.getRowsProcessed() != settledBefore) {
            throw new BatchTakenOver(id);
        }
        for (CldRowError error : errors) {
            entityManager.persist(new CldBatchError(id, error.lineNumber(), error.column(), error.reason()));
        }
        batch.settle(processed, landed, errors.size(), clock.instant());
    }

    /** Settles entries in a transaction of their own (bad rows only, or rows the store refused). */
    public void settleAlone(long id, long settledBefore, long processed, long landed, List<CldRowError> errors) {
        newTransaction.executeWithoutResult(tx -> settle(id, settledBefore, processed, landed, errors));
    }

    /** Another run of the same batch settled rows meanwhile: this one must stop. */
    public static final class BatchTakenOver extends RuntimeException {
        BatchTakenOver(long id) {
            super("CLD batch " + id + " was settled by another run; this run stops");
        }
    }

    /** The batch's bad rows in line order. */
    public List<CldBatchError> errors(long id, int offset, int limit) {
        return newTransaction.execute(tx -> entityManager
                .createQuery(
                        "SELECT e FROM CldBatchError e WHERE e.batchId = :id ORDER BY e.lineNumber",
                        CldBatchError.class)
                .setParameter("id", id)
                .setFirstResult(offset)
                .setMaxResults(limit)
                .getResultList());
    }
}
