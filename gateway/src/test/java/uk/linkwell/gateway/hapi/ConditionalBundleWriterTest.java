package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.fhir.ProfileValidationInterceptor;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.mappings.socialcare.cld.CldMapper;

/**
 * Writing conditional Bundles entry by entry on PostgreSQL: stored records are found through HAPI's token index
 * (so the hash agrees with HAPI's) and reused or updated, new ones are created once with their references
 * pointing at stored ids, HAPI's conditional-create guards are kept, what the transaction would refuse is
 * refused, and any other shape is left to HAPI's transaction with nothing written.
 */
class ConditionalBundleWriterTest extends GatewayIntegrationTest {

    private static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    private static final String NHS = "https://fhir.nhs.uk/Id/nhs-number";

    @Autowired
    ConditionalBundleWriter writer;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    DaoRegistry daos;

    @Autowired
    JdbcTemplate jdbc;

    /** A request as the batch makes one: these test Tasks are minimal, so not validated. */
    private static SystemRequestDetails request() {
        SystemRequestDetails request = new SystemRequestDetails();
        request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        return request;
    }

    private IdType store(Resource resource) {
        return (IdType) daos.getResourceDao(resource.fhirType())
                .create(resource, request())
                .getId()
                .toUnqualifiedVersionless();
    }

    private Optional<ConditionalBundleWriter.Written> write(Bundle bundle, TransactionDetails resolved) {
        return new TransactionTemplate(transactionManager).execute(tx -> writer.write(bundle, request(), resolved));
    }

    /** A conditional update entry, as the ADT and referral mappers write it. */
    private static Bundle.BundleEntryComponent conditionalUpdate(
            Bundle bundle, Resource resource, String system, String value) {
        Bundle.BundleEntryComponent entry =
                bundle.addEntry().setFullUrl("urn:uuid:" + unique()).setResource(resource);
        entry.getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "?identifier=" + system + "|"
                        + URLEncoder.encode(value, StandardCharsets.UTF_8));
        return entry;
    }

    private static String unique() {
        return UUID.randomUUID().toString();
    }

    /** A create-if-absent entry as the CLD mapper writes it. */
    private static Bundle.BundleEntryComponent createIfAbsent(
            Bundle bundle, Resource resource, String system, String value) {
        String fullUrl = CldMapper.fullUrl(
                resource.fhirType(), new Identifier().setSystem(system).setValue(value));
        Bundle.BundleEntryComponent entry =
                bundle.addEntry().setFullUrl(fullUrl).setResource(resource);
        entry.getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType())
                .setIfNoneExist(resource.fhirType() + "?identifier=" + system + "|"
                        + URLEncoder.encode(value, StandardCharsets.UTF_8));
        return entry;
    }

    private static Task task(String system, String value, String patientRef, String ownerRef) {
        Task task = new Task().setStatus(Task.TaskStatus.INPROGRESS).setIntent(Task.TaskIntent.ORDER);
        task.addIdentifier().setSystem(system).setValue(value);
        task.getFor().setReference(patientRef);
        task.getOwner().setReference(ownerRef);
        return task;
    }

    private List<Task> tasksBy(String system, String value) {
        return daos
                .getResourceDao(Task.class)
                .searchForResources(
                        SearchParameterMap.newSynchronous("identifier", new TokenParam(system, value)), request())
                .stream()
                .map(Task.class::cast)
                .toList();
    }

    @Test
    void newRecordsAreCreatedOnceWithTheirReferencesAndStoredOnesAreReused() {
        String council = "Z" + unique().substring(0, 5);
        Organization storedCouncil = new Organization();
        storedCouncil.addIdentifier().setSystem(ODS).setValue(council);
        storedCouncil.setName("Test council");
        IdType councilId = store(storedCouncil);
        String tasks = "https://fhir.linkwell.example/Id/socialcare/" + council + "/assessment";
        String storedValue = "case 1/" + unique(); // needs URL encoding in the match URL
        String[] nhsNumbers = {SyntheticNhsNumbers.next(), SyntheticNhsNumbers.next()};
        Patient storedPerson = new Patient();
        storedPerson.addIdentifier().setSystem(NHS).setValue(nhsNumbers[0]);
        storedPerson.addName().setFamily("Synthetic");
        IdType storedPersonId = store(storedPerson);
        IdType storedTaskId = store(task(tasks, storedValue, storedPersonId.getValue(), councilId.getValue()));

        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Organization again = new Organization();
        again.addIdentifier().setSystem(ODS).setValue(council);
        String councilUrl = createIfAbsent(bundle, again, ODS, council).getFullUrl();
        Patient newPerson = new Patient();
        newPerson.addIdentifier().setSystem(NHS).setValue(nhsNumbers[1]);
        newPerson.addName().setFamily("Synthetic");
        String personUrl = createIfAbsent(bundle, newPerson, NHS, nhsNumbers[1]).getFullUrl();
        createIfAbsent(bundle, task(tasks, storedValue, personUrl, councilUrl), tasks, storedValue);
        String newValue = "case 2/" + unique();
        Task newTask = task(tasks, newValue, personUrl, councilUrl);
        createIfAbsent(bundle, newTask, tasks, newValue);

        TransactionDetails resolved = new TransactionDetails();
        ConditionalBundleWriter.Written written = write(bundle, resolved).orElseThrow();
        List<IdType> created = written.created();

        // Created: the new person and the new Task, each once, at version 1; nothing else.
        assertThat(created).extracting(IdType::getResourceType).containsExactly("Patient", "Task");
        assertThat(created).extracting(IdType::getVersionIdPart).containsOnly("1");
        IdType personId = created.get(0).toUnqualifiedVersionless();
        Task stored = tasksBy(tasks, newValue).get(0);
        assertThat(stored.getIdElement().toUnqualifiedVersionless().getValue())
                .isEqualTo(created.get(1).toUnqualifiedVersionless().getValue());
        // Its references point at the stored ids, and are indexed: a search by patient finds it.
        assertThat(stored.getFor().getReference()).isEqualTo(personId.getValue());
        assertThat(stored.getOwner().getReference()).isEqualTo(councilId.getValue());
        assertThat(daos.getResourceDao(Task.class)
                        .searchForResources(
                                SearchParameterMap.newSynchronous("patient", new ReferenceParam(personId.getValue())),
                                request()))
                .hasSize(1);
        // Stored records (found by the hash HAPI indexes) were neither duplicated nor written again.
        assertThat(tasksBy(tasks, storedValue)).singleElement().satisfies(t -> {
            assertThat(t.getIdElement().getIdPart()).isEqualTo(storedTaskId.getIdPart());
            assertThat(t.getMeta().getVersionId()).isEqualTo("1");
        });
        assertThat(jdbc.queryForObject(
                        "SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'Organization'"
                                + " AND RES_ID IN (SELECT RES_ID FROM HFJ_SPIDX_TOKEN WHERE SP_NAME = 'identifier' AND SP_VALUE = ?)",
                        Long.class,
                        council))
                .isEqualTo(1L);
        // A new person keeps HAPI's guard against another source creating them at the same moment; event
        // records, which only the council's own feeds write, do not need it.
        assertThat(jdbc.queryForList(
                        "SELECT RES_SEARCH_URL FROM HFJ_RES_SEARCH_URL WHERE RES_ID IN (?, ?)",
                        String.class,
                        Long.parseLong(personId.getIdPart()),
                        Long.parseLong(created.get(1).getIdPart())))
                .singleElement()
                .satisfies(
                        url -> assertThat(url).startsWith("Patient?identifier=").endsWith(nhsNumbers[1]));
        // Every entry's id, at its version, in entry order.
        assertThat(written.entries())
                .extracting(IdType::getValue)
                .containsExactly(
                        councilId.withVersion("1").getValue(), created.get(0).getValue(),
                        storedTaskId.withVersion("1").getValue(), created.get(1).getValue());
        // Every id written or found is left resolved for the chunk's Provenance.
        for (IdType id : List.of(personId, created.get(1), councilId, storedTaskId)) {
            assertThat(resolved.hasResolvedResourceId(id.toUnqualifiedVersionless()))
                    .as(id.getValue())
                    .isTrue();
        }
        // The caller's entries are as they were: a chunk that rolls back is applied again from them.
        assertThat(newTask.getFor().getReference()).isEqualTo(personUrl);
        assertThat(newTask.hasId()).isFalse();
    }

    @Test
    void anIdentityStoredTwiceIsRefusedWithoutNamingItsValue() {
        String system = "https://fhir.linkwell.example/Id/socialcare/ZTEST/review";
        String twice = unique();
        store(task(system, twice, null, null));
        store(task(system, twice, null, null));
        Bundle create = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        createIfAbsent(create, task(system, twice, null, null), system, twice);
        Bundle update = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        conditionalUpdate(update, task(system, twice, null, null), system, twice);

        assertThatThrownBy(() -> write(create, new TransactionDetails()))
                .isInstanceOf(PreconditionFailedException.class)
                .hasMessageContaining("Failed to create a Task")
                .hasMessageContaining("2 stored resources hold that identifier")
                .hasMessageNotContaining(twice);
        assertThatThrownBy(() -> write(update, new TransactionDetails()))
                .isInstanceOf(PreconditionFailedException.class)
                .hasMessageContaining("Failed to update a Task")
                .hasMessageNotContaining(twice);
    }

    @Test
    void conditionalUpdatesUpdateTheStoredResourceOrCreateOneKeepingHapisGuard() {
        String nhs = SyntheticNhsNumbers.next();
        Patient storedPerson = new Patient();
        storedPerson.addIdentifier().setSystem(NHS).setValue(nhs);
        storedPerson.addName().setFamily("Synthetic");
        IdType storedPersonId = store(storedPerson);
        String system = "https://fhir.linkwell.example/Id/socialcare/ZTEST/review";
        String value = unique();

        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Patient update = new Patient();
        update.addIdentifier().setSystem(NHS).setValue(nhs);
        update.addName().setFamily("Synthetic").addGiven("Updated");
        String personUrl = conditionalUpdate(bundle, update, NHS, nhs).getFullUrl();
        Task task = task(system, value, personUrl, null);
        conditionalUpdate(bundle, task, system, value);
        TransactionDetails resolved = new TransactionDetails();
        ConditionalBundleWriter.Written written = write(bundle, resolved).orElseThrow();

        // The stored Patient is updated in place (version 2); the Task is new, pointing at it.
        assertThat(written.entries())
                .extracting(IdType::getValue)
                .first()
                .isEqualTo(storedPersonId.withVersion("2").getValue());
        assertThat(written.created()).singleElement().satisfies(id -> {
            assertThat(id.getResourceType()).isEqualTo("Task");
            assertThat(id.getVersionIdPart()).isEqualTo("1");
        });
        assertThat(((Patient) daos.getResourceDao(Patient.class).read(storedPersonId, request()))
                        .getNameFirstRep()
                        .getGivenAsSingleString())
                .isEqualTo("Updated");
        assertThat(tasksBy(system, value))
                .singleElement()
                .satisfies(t -> assertThat(t.getFor().getReference()).isEqualTo(storedPersonId.getValue()));
        // A resource a conditional update creates gets HAPI's guard row, as in a transaction.
        assertThat(jdbc.queryForList(
                        "SELECT RES_SEARCH_URL FROM HFJ_RES_SEARCH_URL WHERE RES_ID = ?",
                        String.class,
                        Long.parseLong(written.created().get(0).getIdPart())))
                .singleElement()
                .satisfies(url -> assertThat(url).startsWith("Task?identifier="));
        assertThat(resolved.hasResolvedResourceId(storedPersonId)).isTrue();
        // Applied again: nothing new, the Task unchanged (HAPI sees no change), the references as before.
        ConditionalBundleWriter.Written again =
                write(bundle, new TransactionDetails()).orElseThrow();
        assertThat(again.created()).isEmpty();
        assertThat(again.entries().get(1).getValue())
                .isEqualTo(written.created().get(0).getValue());
        assertThat(tasksBy(system, value)).hasSize(1);
    }

    @Test
    void aReferenceToAnEntryNotEarlierInTheBundleIsLeftToHapiWithNothingWritten() {
        String system = "https://fhir.linkwell.example/Id/socialcare/ZTEST/assessment";
        String value = unique();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Patient later = new Patient();
        String nhs = SyntheticNhsNumbers.next();
        later.addIdentifier().setSystem(NHS).setValue(nhs);
        String laterUrl =
                CldMapper.fullUrl("Patient", new Identifier().setSystem(NHS).setValue(nhs));
        createIfAbsent(bundle, task(system, value, laterUrl, null), system, value);
        createIfAbsent(bundle, later, NHS, nhs);

        assertThat(write(bundle, new TransactionDetails())).isEmpty();
        assertThat(tasksBy(system, value)).isEmpty();
    }

    @Test
    void aBundleOfAnotherShapeIsLeftToHapiWithNothingWritten() {
        String system = "https://fhir.linkwell.example/Id/socialcare/ZTEST/review";
        String value = unique();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        createIfAbsent(bundle, task(system, value, null, null), system, value);
        // HAPI would read the comma as "or": only HAPI may decide this one.
        String comma = "a," + unique();
        createIfAbsent(bundle, task(system, comma, null, null), system, comma);

        assertThat(write(bundle, new TransactionDetails())).isEmpty();
        assertThat(tasksBy(system, value)).isEmpty();
    }
}
