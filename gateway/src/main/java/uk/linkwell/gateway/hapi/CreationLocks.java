package uk.linkwell.gateway.hapi;

import com.google.common.hash.Hashing;
import com.google.common.util.concurrent.Striped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes transactions that may create the same resource by its conditional URL take turns, with PostgreSQL
 * transaction-scoped advisory locks, so that two workers (or two gateway instances) cannot both create it.
 * <p>
 * Why HAPI's own guard is not enough: HAPI records the URL of a conditional create in {@code HFJ_RES_SEARCH_URL},
 * whose unique key stops a second transaction creating by the same URL until the first commits, but it deletes
 * that row when the resource is updated. A worker applies several messages in one database transaction, so when
 * one message creates the attending clinician's Practitioner and a later message of the group updates it, the
 * row is gone before the group commits, and another group creating the same Practitioner meanwhile goes ahead.
 * In the ADT benchmark that showed as a group refused with 412 ("multiple resources match") and 17 of its
 * messages parked as failed.
 * <p>
 * On any other database (the embedded H2 default, which only one process can open) the same keys are taken as
 * locks in this JVM, held until the transaction completes: the workers of one gateway take turns just the same.
 * <p>
 * Only identities the store does not hold yet are locked (for {@code Type?identifier=system|value}, looked up in
 * HAPI's token index; other match URLs are always locked): once one is stored, HAPI's search finds it and no
 * second one can be made, so the steady state takes no locks. A transaction takes all its locks at its start, in
 * one statement and in one order, before it holds any row locks, so the locks cannot deadlock each other. Held
 * until commit or rollback.
 */
@Component
public class CreationLocks implements IdentityLocks {

    private final StoredIdentities storedIdentities;
    private final boolean postgres;
    /** The in-JVM locks where the database has no advisory locks: striped, so the table stays bounded. */
    private final Striped<Lock> jvmLocks = Striped.lock(4096);

    @PersistenceContext
    private EntityManager entityManager;

    public CreationLocks(StoredIdentities storedIdentities, @Value("${spring.datasource.url}") String jdbcUrl) {
        this.storedIdentities = storedIdentities;
        this.postgres = DatabaseDialect.forJdbcUrl(jdbcUrl) == DatabaseDialect.POSTGRESQL;
    }

    /**
     * Within the caller's transaction, waits for and takes the locks of every identity the Bundles' conditional
     * creates and updates may create; returns the keys taken (sorted).
     */
    @Override
    public List<Long> lockIdentitiesToCreate(List<Bundle> bundles) {
        return lockIdentitiesToCreate(bundles, null);
    }

    /**
     * As {@link #lockIdentitiesToCreate(List)}, but waits at most {@code maxWait} (then PostgreSQL refuses the
     * statement with SQLSTATE 55P03, lock_not_available, and the caller's transaction must roll back). For a
     * caller that may itself be waited for outside the database, where PostgreSQL cannot see a deadlock: a CLD
     * chunk that has written waits in Java for the chunk before it to commit.
     */
    @Override
    public List<Long> lockIdentitiesToCreate(List<Bundle> bundles, Duration maxWait) {
        // key -> hash of the identity in HAPI's token index, or null where it cannot be looked up
        Map<Long, Long> candidates = new HashMap<>();
        for (Bundle bundle : bundles) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                String matchUrl = conditionalUrl(entry);
                if (matchUrl == null) {
                    continue;
                }
                String type = entry.getResource().fhirType();
                Long hash = storedIdentities.identifierHash(type, matchUrl);
                candidates.put(hash != null ? hash : keyOf(type, matchUrl), hash);
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        Set<Long> stored = storedIdentities.indexed(
                candidates.values().stream().filter(Objects::nonNull).collect(Collectors.toList()));
        TreeSet<Long> keys = new TreeSet<>();
        candidates.forEach((key, hash) -> {
            if (hash == null || !stored.contains(hash)) {
                keys.add(key);
            }
        });
        if (keys.isEmpty()) {
            return List.of();
        }
        if (!postgres) {
            lockInThisJvm(keys, maxWait);
            return new ArrayList<>(keys);
        }
        // Literal numbers (no user text reaches the SQL); unnest yields them in the array's (sorted) order.
        String array = keys.stream().map(String::valueOf).collect(Collectors.joining(","));
        String lock = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(ARRAY[" + array + "]::bigint[]) AS t(k)";
        if (maxWait == null) {
            entityManager.createNativeQuery(lock).getSingleResult();
        } else {
            // lock_timeout for this statement only (set_config local to the transaction, then put back).
            String previous = (String) entityManager
                    .createNativeQuery("SELECT current_setting('lock_timeout')")
                    .getSingleResult();
            setLockTimeout(maxWait.toMillis() + "ms");
            entityManager.createNativeQuery(lock).getSingleResult();
            setLockTimeout(previous);
        }
        return new ArrayList<>(keys);
    }

    /**
     * Takes the keys' stripes in their one order (Striped hands them out so) and lets go of them when the caller's
     * transaction completes, as PostgreSQL lets go of transaction-scoped advisory locks.
     */
    private void lockInThisJvm(TreeSet<Long> keys, Duration maxWait) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("creation locks are held for a transaction: call them inside one");
        }
        List<Lock> taken = new ArrayList<>();
        try {
            for (Lock lock : jvmLocks.bulkGet(keys)) {
                if (maxWait == null) {
                    lock.lock();
                } else if (!lock.tryLock(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new CannotAcquireLockException("creation lock not free within " + maxWait);
                }
                taken.add(lock);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            releaseAll(taken);
            throw new CannotAcquireLockException("interrupted waiting for a creation lock", e);
        } catch (RuntimeException e) {
            releaseAll(taken);
            throw e;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                releaseAll(taken);
            }
        });
    }

    private static void releaseAll(List<Lock> taken) {
        for (int i = taken.size() - 1; i >= 0; i--) {
            taken.get(i).unlock();
        }
    }

    private void setLockTimeout(String value) {
        entityManager
                .createNativeQuery("SELECT set_config('lock_timeout', :value, true)")
                .setParameter("value", value)
                .getSingleResult();
    }

    /** The lock key of an identity whose match URL is not of the indexed shape. */
    static long keyOf(String type, String matchUrl) {
        String url = StoredIdentities.qualified(type, matchUrl);
        return Hashing.murmur3_128().hashString(url, StandardCharsets.UTF_8).asLong();
    }

    private static String conditionalUrl(Bundle.BundleEntryComponent entry) {
        if (!entry.hasResource() || !entry.hasRequest()) {
            return null;
        }
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        if (request.getMethod() == Bundle.HTTPVerb.POST && request.hasIfNoneExist()) {
            return request.getIfNoneExist();
        }
        if (request.getMethod() == Bundle.HTTPVerb.PUT
                && request.getUrl() != null
                && request.getUrl().contains("?")) {
            return request.getUrl();
        }
        return null;
    }
}
