package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static uk.linkwell.gateway.hapi.SeamFixtures.store;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link IdentityIndex} on HAPI's storage: the key it computes for {@code Type?identifier=system|value}
 * is the one HAPI indexes a stored resource's identifier under, {@code holders} finds the live resource (and not a
 * deleted one), {@code indexed} sees the index row either way, and shapes HAPI might read otherwise get no key.
 */
class IdentityIndexContractTest extends GatewayIntegrationTest {

    @Autowired
    DaoRegistry daos;

    @Autowired
    IdentityIndex index;

    @Autowired
    PlatformTransactionManager transactionManager;

    private <T> T inTransaction(java.util.function.Supplier<T> work) {
        return new TransactionTemplate(transactionManager).execute(tx -> work.get());
    }

    private static Organization organisation(String code) {
        Organization organisation = new Organization().setName("Org " + code);
        organisation.addIdentifier().setSystem(SeamFixtures.ODS).setValue(code);
        return organisation;
    }

    @Test
    void aStoredIdentifierIsFoundUnderHapisKeyAndADeletedOneIsNoLongerHeld() {
        String code = "Q" + SeamFixtures.unique();
        IdType stored = store(daos, organisation(code));
        Long key = index.identifierHash("Organization", "Organization?identifier=" + SeamFixtures.ODS + "|" + code);
        assertThat(key).isNotNull();
        assertThat(index.identifierHash("Organization", "identifier=" + SeamFixtures.ODS + "|" + code))
                .as("a bare query is the type's")
                .isEqualTo(key);

        Map<Long, List<IdentityIndex.Holder>> holders = inTransaction(() -> index.holders(List.of(key)));
        assertThat(holders.get(key)).singleElement().satisfies(holder -> {
            assertThat(holder.id().getValue()).isEqualTo(stored.getValue());
            assertThat(holder.type()).isEqualTo("Organization");
            assertThat(holder.version()).isEqualTo(1);
        });
        assertThat(inTransaction(() -> index.indexed(List.of(key)))).containsExactly(key);

        SeamFixtures.delete(daos, stored);
        assertThat(inTransaction(() -> index.holders(List.of(key)))).doesNotContainKey(key);

        String unknown = "Q" + SeamFixtures.unique();
        Long never =
                index.identifierHash("Organization", "Organization?identifier=" + SeamFixtures.ODS + "|" + unknown);
        assertThat(inTransaction(() -> index.indexed(List.of(never)))).isEmpty();
        assertThat(inTransaction(() -> index.holders(List.of()))).isEmpty();
    }

    @Test
    void shapesHapiMightReadOtherwiseGetNoKey() {
        assertThat(index.identifierHash("Organization", "Organization?name=x")).isNull();
        assertThat(index.identifierHash("Organization", "Organization?identifier=x"))
                .isNull();
        assertThat(index.identifierHash("Organization", "Organization?identifier=s|a,s|b"))
                .isNull();
        assertThat(index.identifierHash("Organization", "Organization?identifier=s|a&name=x"))
                .isNull();
        assertThat(index.identifierHash("Organization", "Patient?identifier=s|a"))
                .isNull();
        assertThat(index.identifierHash("Organization", null)).isNull();
    }
}
