package uk.linkwell.gateway.exchange;

import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox (table {@code LW_DELIVERY}): triggers record deliveries in the transaction of the write that caused
 * them; the sender claims due ones with {@code FOR UPDATE SKIP LOCKED} and settles each under its claim;
 * operations list them and retry dead ones.
 */
public class Outbox {

    // Oldest due first; a delivery waits while an earlier one to the same endpoint about the same person is still
    // open, so a recipient hears of one person's events in order; a paused endpoint's deliveries wait unclaimed. SKIP
    // LOCKED lets several gateway instances share
    // the table (PostgreSQL and H2 2.x both support it).
    // %s: nothing, or the Endpoints this instance is not claiming for now (busy sending, breaker open).
    private static final String CLAIM_SQL =
            """
            SELECT d.* FROM LW_DELIVERY d
            WHERE d.STATUS IN ('pending', 'sending') AND d.NEXT_ATTEMPT_AT <= :now%s
              AND NOT EXISTS (
                    SELECT 1 FROM LW_DELIVERY e
                    WHERE e.ENDPOINT = d.ENDPOINT AND e.PATIENT = d.PATIENT AND e.ID < d.ID
                      AND e.STATUS IN ('pending', 'sending'))
              AND NOT EXISTS (SELECT 1 FROM LW_ENDPOINT_PAUSE p WHERE p.ENDPOINT = d.ENDPOINT)
            ORDER BY d.ID
            FETCH FIRST :limit ROWS ONLY
            FOR UPDATE SKIP LOCKED""";

    @PersistenceContext
    private EntityManager entityManager;

    private final TransactionTemplate newTransaction;
    private final Clock clock;
    private final String instance;

    public Outbox(PlatformTransactionManager transactionManager, Clock clock, String instance) {
        this.newTransaction = new TransactionTemplate(transactionManager);
        this.newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.instance = instance;
    }

    /**
     * Records a delivery in the caller's transaction (a FHIR write's, from a storage hook): it commits with the
     * write or not at all. Written at the write's commit with the rest of its session.
     */
    public Delivery record(Delivery delivery) {
        entityManager.persist(delivery);
        return delivery;
    }

    /**
     * Adds a resource to the focus of a delivery recorded in the caller's transaction, still uncommitted: it is sent
     * with the rest.
     */
    public void addFocus(Delivery recorded, String reference) {
        recorded.addFocus(reference);
        if (!entityManager.contains(recorded)) {
            // Flushed and detached since it was recorded (a long transaction): the change is merged back.
            entityManager.merge(recorded);
        }
    }

    /**
     * Claims up to {@code limit} due deliveries for this instance and commits the claim: they become
     * {@code sending}, with one more attempt counted and a lease after which another instance may take them.
     * Returned detached, as claimed.
     */
    public List<Delivery> claim(int limit, Duration lease) {
        return claim(limit, lease, Set.of());
    }

    /** As {@link #claim(int, Duration)}, leaving out the deliveries to the {@code excluded} Endpoints. */
    public List<Delivery> claim(int limit, Duration lease, Set<String> excluded) {
        return excluded.isEmpty()
                ? claimWhere("", null, null, limit, lease)
                : claimWhere(" AND d.ENDPOINT NOT IN (:excluded)", "excluded", List.copyOf(excluded), limit, lease);
    }

    /** As {@link #claim(int, Duration)}, only deliveries to {@code endpoint} (a sender thread draining it). */
    public List<Delivery> claimFor(String endpoint, int limit, Duration lease) {
        return claimWhere(" AND d.ENDPOINT = :endpoint", "endpoint", endpoint, limit, lease);
    }

    private List<Delivery> claimWhere(String filter, String name, Object value, int limit, Duration lease) {
        return newTransaction.execute(tx -> {
            Instant now = clock.instant();
            var query = entityManager
                    .createNativeQuery(CLAIM_SQL.formatted(filter), Delivery.class)
                    .setParameter("now", now)
                    .setParameter("limit", limit);
            if (name != null) {
                query.setParameter(name, value);
            }
            @SuppressWarnings("unchecked")
            List<Delivery> rows = query.getResultList();
            rows.forEach(row -> row.claim(instance, now.plus(lease), now));
            return rows;
        });
    }

    /**
     * Renews this instance's claim on a delivery just before it is sent, and says whether it still holds it: a claim
     * that waited in this instance longer than its lease may have been taken over by another instance, which then
     * sends it (a second send, and out of order, if this one went on).
     */
    public boolean holdClaim(Delivery claimed, Duration lease) {
        Instant now = clock.instant();
        Integer held = newTransaction.execute(tx -> entityManager
                .createQuery(
                        """
                        UPDATE Delivery d SET d.nextAttemptAt = :leaseEnd, d.updatedAt = :now
                        WHERE d.id = :id AND d.status = :sending AND d.claimedBy = :instance
                          AND d.attempts = :attempts""")
                .setParameter("leaseEnd", now.plus(lease))
                .setParameter("now", now)
                .setParameter("id", claimed.getId())
                .setParameter("sending", DeliveryStatus.SENDING)
                .setParameter("instance", claimed.getClaimedBy())
                .setParameter("attempts", claimed.getAttempts())
                .executeUpdate());
        return held != null && held == 1;
    }

    /** Puts back, due now, what this instance had claimed and not settled (at start-up nothing is sending them). */
    public int releaseOwnClaims() {
        return newTransaction.execute(tx -> entityManager
                .createQuery(
                        """
                        UPDATE Delivery d SET d.status = :pending, d.nextAttemptAt = :now, d.updatedAt = :now
                        WHERE d.status = :sending AND d.claimedBy = :instance""")
                .setParameter("pending", DeliveryStatus.PENDING)
                .setParameter("now", clock.instant())
                .setParameter("sending", DeliveryStatus.SENDING)
                .setParameter("instance", instance)
                .executeUpdate());
    }

    public void delivered(Delivery claimed, Integer statusCode, String answer) {
        settle(claimed, row -> row.delivered(statusCode, answer, clock.instant()));
    }

    public void withheld(Delivery claimed, String basis) {
        settle(claimed, row -> row.withheld(basis, clock.instant()));
    }

    public void retryAt(Delivery claimed, Instant when, Integer statusCode, String answer) {
        settle(claimed, row -> row.retryAt(when, statusCode, answer, clock.instant()));
    }

    /**
     * Gives a claimed delivery back unattempted (its Endpoint's breaker is open): pending again at {@code when}, the
     * claim's attempt not counted.
     */
    public void putBack(Delivery claimed, Instant when) {
        settle(claimed, row -> row.unclaim(when, clock.instant()));
    }

    public void dead(Delivery claimed, Integer statusCode, String answer) {
        settle(claimed, row -> row.dead(statusCode, answer, clock.instant()));
    }

    /** Settles a claimed delivery in its own transaction, unless another claim has replaced this one since. */
    private void settle(Delivery claimed, Consumer<Delivery> change) {
        newTransaction.executeWithoutResult(tx -> {
            Delivery row = entityManager.find(Delivery.class, claimed.getId(), LockModeType.PESSIMISTIC_WRITE);
            if (row == null
                    || row.getStatus() != DeliveryStatus.SENDING
                    || !Objects.equals(row.getClaimedBy(), claimed.getClaimedBy())
                    || row.getAttempts() != claimed.getAttempts()) {
                return;
            }
            change.accept(row);
            if (claimed.getJustSent() != null) {
                row.keepSent(claimed.getJustSent());
            }
        });
    }

    /** What a retry of a delivery came to. */
    public enum RetryOutcome {
        REQUEUED,
        NOT_FOUND,
        NOT_DEAD
    }

    /** Puts a dead delivery back in the queue, due now, with its attempts reset (same idempotency key). */
    public RetryOutcome retry(long id) {
        return newTransaction.execute(tx -> {
            Delivery row = entityManager.find(Delivery.class, id, LockModeType.PESSIMISTIC_WRITE);
            if (row == null) {
                return RetryOutcome.NOT_FOUND;
            }
            if (row.getStatus() != DeliveryStatus.DEAD) {
                return RetryOutcome.NOT_DEAD;
            }
            row.requeue(clock.instant());
            return RetryOutcome.REQUEUED;
        });
    }

    /** Pauses sending to an endpoint (idempotent: an endpoint already paused keeps its first pause). */
    public EndpointPause pause(String endpoint, String by, String reason) {
        return newTransaction.execute(tx -> {
            EndpointPause existing = entityManager.find(EndpointPause.class, endpoint);
            if (existing != null) {
                return existing;
            }
            EndpointPause pause = new EndpointPause(endpoint, clock.instant(), by, reason);
            entityManager.persist(pause);
            return pause;
        });
    }

    /** Resumes sending to an endpoint; true if it was paused. Its waiting deliveries go, in order, as they fall due. */
    public boolean resume(String endpoint) {
        return Boolean.TRUE.equals(newTransaction.execute(tx -> {
            EndpointPause pause = entityManager.find(EndpointPause.class, endpoint);
            if (pause == null) {
                return false;
            }
            entityManager.remove(pause);
            return true;
        }));
    }

    /** The paused endpoints, oldest pause first. */
    public List<EndpointPause> paused() {
        return newTransaction.execute(tx -> new ArrayList<>(entityManager
                .createQuery("SELECT p FROM EndpointPause p ORDER BY p.pausedAt, p.endpoint", EndpointPause.class)
                .getResultList()));
    }

    /** Reads one delivery (detached). */
    public Optional<Delivery> find(long id) {
        return Optional.ofNullable(newTransaction.execute(tx -> entityManager.find(Delivery.class, id)));
    }

    /** Lists deliveries newest first, created in [createdFrom, createdTo); null filters match anything. */
    public List<Delivery> list(
            DeliveryStatus status,
            String endpoint,
            String event,
            Instant createdFrom,
            Instant createdTo,
            int limit,
            int offset) {
        return newTransaction.execute(tx -> {
            StringBuilder jpql = new StringBuilder("SELECT d FROM Delivery d WHERE 1 = 1");
            Map<String, Object> params = new LinkedHashMap<>();
            if (status != null) {
                jpql.append(" AND d.status = :status");
                params.put("status", status);
            }
            if (endpoint != null) {
                jpql.append(" AND d.endpoint = :endpoint");
                params.put("endpoint", endpoint);
            }
            if (event != null) {
                jpql.append(" AND d.event = :event");
                params.put("event", event);
            }
            if (createdFrom != null) {
                jpql.append(" AND d.createdAt >= :createdFrom");
                params.put("createdFrom", createdFrom);
            }
            if (createdTo != null) {
                jpql.append(" AND d.createdAt < :createdTo");
                params.put("createdTo", createdTo);
            }
            jpql.append(" ORDER BY d.createdAt DESC, d.id DESC");
            TypedQuery<Delivery> query = entityManager.createQuery(jpql.toString(), Delivery.class);
            params.forEach(query::setParameter);
            return new ArrayList<>(
                    query.setFirstResult(offset).setMaxResults(limit).getResultList());
        });
    }

    /** How many deliveries stand in each status (every status named, zero included). */
    public Map<String, Long> countsByStatus() {
        return newTransaction.execute(tx -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (DeliveryStatus s : DeliveryStatus.values()) {
                counts.put(s.code(), 0L);
            }
            for (Object[] row : entityManager
                    .createQuery("SELECT d.status, COUNT(d) FROM Delivery d GROUP BY d.status", Object[].class)
                    .getResultList()) {
                counts.put(((DeliveryStatus) row[0]).code(), (Long) row[1]);
            }
            return counts;
        });
    }
}
