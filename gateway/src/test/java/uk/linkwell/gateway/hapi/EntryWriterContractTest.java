package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link EntryWriter} on HAPI's storage: a run writes a create-if-absent Bundle through HAPI's DAOs,
 * knows every id it wrote or found (HAPI's transaction details), creates a Provenance naming them, finds them again
 * on a second run, and leaves any other shape of Bundle to HAPI with nothing written.
 */
class EntryWriterContractTest extends GatewayIntegrationTest {

    @Autowired
    EntryWriter writer;

    @Autowired
    DaoRegistry daos;

    @Autowired
    PlatformTransactionManager transactionManager;

    private static Bundle createIfAbsent(String code) {
        Organization organisation = new Organization().setName("Org " + code);
        organisation.addIdentifier().setSystem(SeamFixtures.ODS).setValue(code);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                .setResource(organisation)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Organization")
                .setIfNoneExist("Organization?identifier=" + SeamFixtures.ODS + "|"
                        + URLEncoder.encode(code, StandardCharsets.UTF_8));
        return bundle;
    }

    @Test
    void aRunWritesFindsAndNamesWhatItWrote() {
        String code = "W" + SeamFixtures.unique();
        TransactionTemplate transaction = new TransactionTemplate(transactionManager);

        IIdType provenance = transaction.execute(tx -> {
            EntryWriter.Run run = writer.begin(SeamFixtures.request());
            EntryWriter.Written written = run.write(createIfAbsent(code)).orElseThrow();
            assertThat(written.created()).hasSize(1);
            assertThat(written.entries()).containsExactlyElementsOf(written.created());
            assertThat(run.resolvedAll(written.created())).isTrue();
            Provenance what = new Provenance();
            what.setRecorded(new java.util.Date());
            what.addAgent().setWho(new Reference().setDisplay("contract test"));
            written.created()
                    .forEach(id ->
                            what.addTarget(new Reference(id.toVersionless().getValue())));
            return run.create(what, SeamFixtures.request());
        });
        assertThat(provenance.getResourceType()).isEqualTo("Provenance");

        EntryWriter.Written again = transaction.execute(tx ->
                writer.begin(SeamFixtures.request()).write(createIfAbsent(code)).orElseThrow());
        assertThat(again.created()).as("found, not created again").isEmpty();
        assertThat(again.entries()).hasSize(1);
        Provenance stored = daos.getResourceDao(Provenance.class).read(provenance, SeamFixtures.request());
        assertThat(stored.getTargetFirstRep().getReferenceElement().getIdPart())
                .isEqualTo(again.entries().get(0).getIdPart());

        Bundle batch = createIfAbsent("W" + SeamFixtures.unique()).setType(Bundle.BundleType.BATCH);
        Optional<EntryWriter.Written> left =
                transaction.execute(tx -> writer.begin(SeamFixtures.request()).write(batch));
        assertThat(left).as("not the writer's shape: left to HAPI").isEmpty();
    }
}
