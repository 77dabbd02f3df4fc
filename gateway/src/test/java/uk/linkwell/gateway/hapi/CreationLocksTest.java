package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Practitioner;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.fhir.ProfileValidationInterceptor;
import uk.linkwell.gateway.testsupport.AdvisoryLocks;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * On PostgreSQL, a transaction that may create a resource by its conditional URL waits while another holds that
 * identity's lock, and takes no lock for an identity the store already holds.
 */
class CreationLocksTest extends GatewayIntegrationTest {

    private static final String GMC = "https://fhir.hl7.org.uk/Id/gmc-number";

    @Autowired
    CreationLocks locks;

    @Autowired
    StoredIdentities identities;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    DataSource dataSource;

    @Autowired
    DaoRegistry daos;

    @jakarta.persistence.PersistenceContext
    jakarta.persistence.EntityManager entityManager;

    private static String gmcNumber() {
        return "C" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 10_000_000);
    }

    /** A conditional update of a Practitioner by GMC number, as the ADT mapper writes one. */
    private static Bundle conditionalPractitioner(String number) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Practitioner practitioner = new Practitioner();
        practitioner.addIdentifier().setSystem(GMC).setValue(number);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(practitioner)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("Practitioner?identifier=" + GMC + "|" + number);
        return bundle;
    }

    private List<Long> lock(Bundle bundle) {
        return new TransactionTemplate(transactionManager).execute(tx -> locks.lockIdentitiesToCreate(List.of(bundle)));
    }

    private Connection holdingLock(long key) throws Exception {
        return AdvisoryLocks.holding(dataSource, key);
    }

    @Test
    void aTransactionThatMayCreateAnIdentityWaitsWhileAnotherHoldsItsLock() throws Exception {
        String number = gmcNumber();
        long key = identities.identifierHash("Practitioner", "Practitioner?identifier=" + GMC + "|" + number);
        try (Connection other = holdingLock(key)) {

            CompletableFuture<List<Long>> taken =
                    CompletableFuture.supplyAsync(() -> lock(conditionalPractitioner(number)));
            Thread.sleep(1000);
            assertThat(taken)
                    .as("waits while the other transaction holds the lock")
                    .isNotDone();

            other.commit();
            assertThat(taken.get(30, TimeUnit.SECONDS)).containsExactly(key);
        }
    }

    @Test
    void aBoundedWaitGivesUpWithLockNotAvailableAndOtherwisePutsTheTimeoutBack() throws Exception {
        String number = gmcNumber();
        long key = identities.identifierHash("Practitioner", "Practitioner?identifier=" + GMC + "|" + number);
        TransactionTemplate tx = new TransactionTemplate(transactionManager);
        try (Connection other = holdingLock(key)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> tx.executeWithoutResult(status -> locks.lockIdentitiesToCreate(
                            List.of(conditionalPractitioner(number)), java.time.Duration.ofMillis(300))))
                    .satisfies(e -> assertThat(sqlStates(e)).contains("55P03"));
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
            other.rollback();
        }
        // Free: the locks are taken, and the transaction's lock_timeout is what it was before.
        Boolean putBack = tx.execute(status -> {
            String before = (String) entityManager
                    .createNativeQuery("SELECT current_setting('lock_timeout')")
                    .getSingleResult();
            List<Long> taken = locks.lockIdentitiesToCreate(
                    List.of(conditionalPractitioner(gmcNumber())), java.time.Duration.ofMillis(300));
            assertThat(taken).hasSize(1);
            return entityManager
                    .createNativeQuery("SELECT current_setting('lock_timeout')")
                    .getSingleResult()
                    .equals(before);
        });
        assertThat(putBack).isTrue();
    }

    private static List<String> sqlStates(Throwable e) {
        List<String> states = new java.util.ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql) {
                states.add(sql.getSQLState());
            }
        }
        return states;
    }

    @Test
    void anIdentityTheStoreHoldsTakesNoLock() throws Exception {
        String number = gmcNumber();
        Practitioner stored = new Practitioner();
        stored.addIdentifier().setSystem(GMC).setValue(number);
        SystemRequestDetails request = new SystemRequestDetails();
        request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        daos.getResourceDao("Practitioner").create(stored, request);
        long key = identities.identifierHash("Practitioner", "Practitioner?identifier=" + GMC + "|" + number);
        try (Connection other = holdingLock(key)) {

            CompletableFuture<List<Long>> taken =
                    CompletableFuture.supplyAsync(() -> lock(conditionalPractitioner(number)));

            assertThat(taken.get(30, TimeUnit.SECONDS)).isEmpty();
            other.rollback();
        }
    }

    @Test
    void aStoredIdentityNamedByABareIfNoneExistTakesNoLock() {
        // The ADT mapper's create-if-absent of the care team: ifNoneExist is a bare query whose system holds '/'.
        String ods = "https://fhir.nhs.uk/Id/ods-organization-code";
        String code = "X" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Organization stored = new Organization().setName("Care management team");
        stored.addIdentifier().setSystem(ods).setValue(code);
        SystemRequestDetails request = new SystemRequestDetails();
        request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        daos.getResourceDao("Organization").create(stored, request);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Organization again = new Organization().setName("Care management team");
        again.addIdentifier().setSystem(ods).setValue(code);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(again)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Organization")
                .setIfNoneExist("identifier=" + ods + "|" + code);

        assertThat(lock(bundle)).isEmpty();
        // Not stored yet, the same entry is locked by the identity's own hash.
        again.getIdentifierFirstRep().setValue(code + "N");
        bundle.getEntryFirstRep().getRequest().setIfNoneExist("identifier=" + ods + "|" + code + "N");
        assertThat(lock(bundle))
                .containsExactly(
                        identities.identifierHash("Organization", "Organization?identifier=" + ods + "|" + code + "N"));
    }

    @Test
    void otherMatchUrlsAreLockedByTheirUrlAndPlainWritesNotAtAll() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String name = "Ward " + UUID.randomUUID();
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(new Organization().setName(name))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Organization")
                .setIfNoneExist("Organization?name=" + name);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(new Organization().setName(name))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Organization");
        String number = gmcNumber();
        Bundle second = conditionalPractitioner(number);

        List<Long> taken = new TransactionTemplate(transactionManager)
                .execute(tx -> locks.lockIdentitiesToCreate(List.of(bundle, second)));

        long byName = CreationLocks.keyOf("Organization", "Organization?name=" + name);
        long byGmc = identities.identifierHash("Practitioner", "Practitioner?identifier=" + GMC + "|" + number);
        assertThat(taken).containsExactlyInAnyOrder(byName, byGmc).isSorted();
    }
}
