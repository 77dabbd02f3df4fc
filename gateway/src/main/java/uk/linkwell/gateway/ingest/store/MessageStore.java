package uk.linkwell.gateway.ingest.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The durable store of inbound messages (table {@code LW_INBOUND_MESSAGE}): inbound routes store here before they
 * acknowledge, the worker claims and settles rows, operations list and requeue them.
 */
@Component
public class MessageStore {

    // Oldest due first; a message waits while an earlier one with the same ordering key is still open, so one
    // patient's admit is applied before their discharge. SKIP LOCKED lets several gateway instances share the
    // table (PostgreSQL and H2 2.x both support it).
    private static final String CLAIM_SQL =
            """
            SELECT m.* FROM LW_INBOUND_MESSAGE m
            WHERE m.STATUS IN ('received', 'processing') AND m.NEXT_ATTEMPT_AT <= :now
              AND (m.ORDERING_KEY IS NULL OR NOT EXISTS (
                    SELECT 1 FROM LW_INBOUND_MESSAGE e
                    WHERE e.ORDERING_KEY = m.ORDERING_KEY AND e.ID < m.ID
                      AND e.STATUS IN ('received', 'processing')))
            ORDER BY m.ID
            FETCH FIRST :limit ROWS ONLY
            FOR UPDATE SKIP LOCKED""";

    @PersistenceContext
    private EntityManager entityManager;

    private final TransactionTemplate newTransaction;
    private final Clock clock;
    private final InstanceIdentity instance;

    public MessageStore(PlatformTransactionManager transactionManager, Clock clock, InstanceIdentity instance) {
        this.newTransaction = new TransactionTemplate(transactionManager);
        this.newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.instance = instance;
    }

    /** This instance's name in its claims. */
    public String instanceId() {
        return instance.id();
    }

    /**
     * Stores a message in its own committed transaction, unless the same sender already sent an accepted message
     * with this control id through this source: then it returns that one, marked as a duplicate.
     */
    public StoreReceipt store(NewMessage message) {
        try {
            return newTransaction.execute(tx -> {
                Optional<Long> existing = message.rejected() ? Optional.empty() : findAccepted(message);
                if (existing.isPresent()) {
                    return new StoreReceipt(existing.get(), true);
                }
                InboundMessage row = new InboundMessage(
                        message.source(),
                        message.sender(),
                        message.messageType(),
                        message.controlId(),
                        message.receivedAt(),
                        message.body(),
                        message.charset(),
                        message.rejected() ? MessageStatus.REJECTED : MessageStatus.RECEIVED);
                row.setOrderingKey(message.orderingKey());
                row.setLastError(message.rejectionReason());
                entityManager.persist(row);
                entityManager.flush();
                return new StoreReceipt(row.getId(), false);
            });
        } catch (DataIntegrityViolationException | jakarta.persistence.PersistenceException raced) {
            // Two connections delivered the same message at once: the unique key let one in.
            Optional<Long> winner =
                    message.rejected() ? Optional.empty() : newTransaction.execute(tx -> findAccepted(message));
            if (winner.isPresent()) {
                return new StoreReceipt(winner.get(), true);
            }
            throw raced;
        }
    }

    /** Whether an accepted message from this sender with this control id is stored under this source. */
    public boolean isStored(String source, String sender, String controlId) {
        return Boolean.TRUE.equals(newTransaction.execute(
                tx -> findAccepted(source, sender, controlId).isPresent()));
    }

    private Optional<Long> findAccepted(NewMessage message) {
        return findAccepted(message.source(), message.sender(), message.controlId());
    }

    private Optional<Long> findAccepted(String source, String sender, String controlId) {
        if (controlId == null || controlId.isBlank()) {
            return Optional.empty();
        }
        return entityManager
                .createQuery(
                        """
                        SELECT m.id FROM InboundMessage m
                        WHERE m.source = :source AND m.sender = :sender AND m.dedupKey = :controlId""",
                        Long.class)
                .setParameter("source", source)
                .setParameter("sender", sender == null ? "" : sender)
                .setParameter("controlId", controlId)
                .getResultStream()
                .findFirst();
    }

    /**
     * Claims up to {@code limit} due messages for this instance and commits the claim: they become
     * {@code processing}, signed with this instance's name, with one more attempt counted (the attempt number is
     * the claim's number) and a lease after which another instance may take them unless it is renewed.
     */
    public List<Long> claim(int limit, Duration lease) {
        return claimMessages(limit, lease).stream().map(InboundMessage::getId).toList();
    }

    /**
     * Claims like {@link #claim} and returns the claimed messages themselves (detached, as claimed: status
     * {@code processing}, attempts counted), so the worker needs no further read to apply them.
     */
    public List<InboundMessage> claimMessages(int limit, Duration lease) {
        return newTransaction.execute(tx -> {
            Instant now = clock.instant();
            @SuppressWarnings("unchecked")
            List<InboundMessage> rows = entityManager
                    .createNativeQuery(CLAIM_SQL, InboundMessage.class)
                    .setParameter("now", now)
                    .setParameter("limit", limit)
                    .getResultList();
            // Written back at commit, in one JDBC batch.
            rows.forEach(row -> row.claim(instance.id(), now.plus(lease), now));
            return rows;
        });
    }

    /** Reads one message (detached: changes to it are not saved). */
    public Optional<InboundMessage> find(long id) {
        return Optional.ofNullable(newTransaction.execute(tx -> entityManager.find(InboundMessage.class, id)));
    }

    /** Reads what a message is and how it stands, without its body. */
    public Optional<MessageHeader> findHeader(long id) {
        return newTransaction.execute(tx -> entityManager
                .createQuery(
                        "SELECT new "
                                + MessageHeader.class.getName() + "(m.id, m.source, m.sender, m.status, m.receivedAt,"
                                + " m.lastError) FROM InboundMessage m WHERE m.id = :id",
                        MessageHeader.class)
                .setParameter("id", id)
                .getResultStream()
                .findFirst());
    }

    /**
     * Marks a claimed message done with what it produced and what its mapping noted (see {@link
     * InboundMessage#getNotes()}), in the caller's transaction (the one that applied it), provided the claim is
     * still this one: if its lease lapsed and another instance claimed the message since, {@link
     * ClaimLostException} rolls the caller's work back, so a message is applied once whoever finishes first.
     */
    public void markDone(InboundMessage claimed, List<String> resourceIds, String provenanceId, List<String> notes) {
        // One UPDATE: loading the row first would read its body back for nothing. No flush before it: the
        // statement touches only this table, and an automatic flush would dirty-check every entity HAPI has
        // in the session.
        int updated = entityManager
                .createQuery(
                        """
                        UPDATE InboundMessage m SET m.status = :done, m.resourceIds = :resources,
                               m.provenanceId = :provenance, m.lastError = NULL, m.nextAttemptAt = NULL,
                               m.notes = :notes, m.updatedAt = :now
                        WHERE m.id = :id AND m.status = :processing AND m.claimedBy = :instance
                          AND m.attempts = :attempts""")
                .setParameter("done", MessageStatus.DONE)
                .setParameter("resources", String.join("\n", resourceIds))
                .setParameter("provenance", provenanceId)
                .setParameter("notes", notesText(notes))
                .setParameter("now", clock.instant())
                .setParameter("id", claimed.getId())
                .setParameter("processing", MessageStatus.PROCESSING)
                .setParameter("instance", claimed.getClaimedBy())
                .setParameter("attempts", claimed.getAttempts())
                .setFlushMode(jakarta.persistence.FlushModeType.COMMIT)
                .executeUpdate();
        if (updated == 0) {
            throw new ClaimLostException(claimed.getId());
        }
    }

    /**
     * Marks a claimed message done in a transaction of its own, for a job that wrote in transactions of its own
     * (see {@code InboundJob}): nothing produced by one transaction, so no resources and no Provenance on the row.
     */
    public void markRun(InboundMessage claimed) {
        newTransaction.executeWithoutResult(tx -> markDone(claimed, List.of(), null, List.of()));
    }

    /** The claim on a message lapsed and another claim replaced it: this attempt's work must not commit. */
    public static final class ClaimLostException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClaimLostException(long id) {
            super("the claim on inbound message " + id + " lapsed and the message was claimed again");
        }
    }

    /**
     * Renews this instance's claims on messages it is still applying, in a transaction of its own: their leases
     * run from now again. Returns how many were renewed.
     */
    public int renewClaims(Collection<Long> ids, Duration lease) {
        if (ids.isEmpty()) {
            return 0;
        }
        return newTransaction.execute(tx -> entityManager
                .createQuery(
                        """
                        UPDATE InboundMessage m SET m.nextAttemptAt = :until
                        WHERE m.id IN :ids AND m.status = :processing AND m.claimedBy = :instance""")
                .setParameter("until", clock.instant().plus(lease))
                .setParameter("ids", List.copyOf(ids))
                .setParameter("processing", MessageStatus.PROCESSING)
                .setParameter("instance", instance.id())
                .executeUpdate());
    }

    /**
     * Puts back in the queue, due now, every message this instance (by its name, so also before a restart) had
     * claimed and not settled: at start-up nothing of this instance is still applying them. Returns how many.
     */
    public int releaseOwnClaims() {
        return newTransaction.execute(tx -> entityManager
                .createQuery(
                        """
                        UPDATE InboundMessage m SET m.status = :received, m.nextAttemptAt = :now, m.updatedAt = :now
                        WHERE m.status = :processing AND m.claimedBy = :instance""")
                .setParameter("received", MessageStatus.RECEIVED)
                .setParameter("now", clock.instant())
                .setParameter("processing", MessageStatus.PROCESSING)
                .setParameter("instance", instance.id())
                .executeUpdate());
    }

    private static String notesText(List<String> notes) {
        if (notes == null || notes.isEmpty()) {
            return null;
        }
        String text = String.join("\n", notes);
        return text.length() <= InboundMessage.MAX_NOTES_LENGTH
                ? text
                : text.substring(0, InboundMessage.MAX_NOTES_LENGTH);
    }

    /**
     * Extends the claim on a message still being applied (a long batch file), in the caller's transaction, so no
     * other instance takes it over while this one makes progress.
     */
    public void extendClaim(long id, Duration lease) {
        entityManager
                .createQuery("UPDATE InboundMessage m SET m.nextAttemptAt = :until WHERE m.id = :id")
                .setParameter("until", clock.instant().plus(lease))
                .setParameter("id", id)
                .executeUpdate();
    }

    /**
     * Records a failed attempt in its own transaction: back in the queue at {@code retryAt}, or parked when null.
     * Nothing is recorded if the message is no longer under this claim (another instance has it now).
     */
    public void recordFailure(InboundMessage claimed, String error, Instant retryAt) {
        settleClaimed(claimed, row -> {
            if (retryAt == null) {
                row.fail(error, clock.instant());
            } else {
                row.retryAt(retryAt, error, clock.instant());
            }
        });
    }

    /**
     * Sets a claimed message aside as {@link MessageStatus#UNMATCHED} with the reason, in its own transaction, under
     * the same claim check as {@link #recordFailure}: not applied, not failed, waiting to be reprocessed.
     */
    public void recordUnmatched(InboundMessage claimed, String reason) {
        settleClaimed(claimed, row -> row.setAside(reason, clock.instant()));
    }

    private void settleClaimed(InboundMessage claimed, java.util.function.Consumer<InboundMessage> settle) {
        newTransaction.executeWithoutResult(tx -> {
            InboundMessage row = entityManager.find(
                    InboundMessage.class, claimed.getId(), jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (row == null
                    || row.getStatus() != MessageStatus.PROCESSING
                    || !java.util.Objects.equals(row.getClaimedBy(), claimed.getClaimedBy())
                    || row.getAttempts() != claimed.getAttempts()) {
                return;
            }
            settle.accept(row);
        });
    }

    /** Puts a failed, rejected or unmatched message back in the queue with its attempts reset. */
    public ReprocessOutcome reprocess(long id) {
        return newTransaction.execute(tx -> {
            InboundMessage row =
                    entityManager.find(InboundMessage.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (row == null) {
                return ReprocessOutcome.NOT_FOUND;
            }
            if (row.getStatus() != MessageStatus.FAILED
                    && row.getStatus() != MessageStatus.REJECTED
                    && row.getStatus() != MessageStatus.UNMATCHED) {
                return ReprocessOutcome.NOT_REPROCESSABLE;
            }
            row.requeue(clock.instant());
            return ReprocessOutcome.REQUEUED;
        });
    }

    /** Lists messages newest first. */
    public List<InboundMessage> list(MessageFilter filter, int limit, int offset) {
        return newTransaction.execute(tx -> {
            StringBuilder jpql = new StringBuilder("SELECT m FROM InboundMessage m WHERE 1 = 1");
            List<Object[]> params = new ArrayList<>();
            if (filter.status() != null) {
                jpql.append(" AND m.status = :status");
                params.add(new Object[] {"status", filter.status()});
            }
            if (filter.messageType() != null) {
                jpql.append(" AND m.messageType = :type");
                params.add(new Object[] {"type", filter.messageType()});
            }
            if (filter.source() != null) {
                jpql.append(" AND m.source = :source");
                params.add(new Object[] {"source", filter.source()});
            }
            if (filter.receivedFrom() != null) {
                jpql.append(" AND m.receivedAt >= :from");
                params.add(new Object[] {"from", filter.receivedFrom()});
            }
            if (filter.receivedTo() != null) {
                jpql.append(" AND m.receivedAt < :to");
                params.add(new Object[] {"to", filter.receivedTo()});
            }
            jpql.append(" ORDER BY m.receivedAt DESC, m.id DESC");
            TypedQuery<InboundMessage> query = entityManager.createQuery(jpql.toString(), InboundMessage.class);
            params.forEach(p -> query.setParameter((String) p[0], p[1]));
            return query.setFirstResult(offset).setMaxResults(limit).getResultList();
        });
    }

    /** How many messages each source has in each status: the queue at a glance. */
    public Map<String, Map<String, Long>> countsBySourceAndStatus() {
        return newTransaction.execute(tx -> {
            Map<String, Map<String, Long>> counts = new java.util.TreeMap<>();
            for (Object[] row : entityManager
                    .createQuery(
                            "SELECT m.source, m.status, COUNT(m) FROM InboundMessage m GROUP BY m.source, m.status",
                            Object[].class)
                    .getResultList()) {
                counts.computeIfAbsent((String) row[0], k -> new java.util.TreeMap<>())
                        .put(((MessageStatus) row[1]).code(), (Long) row[2]);
            }
            return counts;
        });
    }

    /** Counts messages by status (for gauges and tests). */
    public long count(MessageStatus status) {
        return newTransaction.execute(tx -> entityManager
                .createQuery("SELECT COUNT(m) FROM InboundMessage m WHERE m.status = :s", Long.class)
                .setParameter("s", status)
                .getSingleResult());
    }
}
