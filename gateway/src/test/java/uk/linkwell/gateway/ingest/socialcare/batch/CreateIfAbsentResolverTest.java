package uk.linkwell.gateway.ingest.socialcare.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.mappings.socialcare.cld.CldMapper;

/**
 * The batch's own settling of create-if-absent entries on PostgreSQL: identities HAPI's token index holds are
 * found (so the hash agrees with HAPI's) and left to HAPI, as are new Patients and anything HAPI must decide
 * itself; new event records become plain creates.
 */
class CreateIfAbsentResolverTest extends GatewayIntegrationTest {

    @Autowired
    CreateIfAbsentResolver resolver;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    ca.uhn.fhir.jpa.api.dao.DaoRegistry daos;

    /** Stores the resource as a batch does (through the DAO, not validated: these test Tasks are minimal). */
    private IdType store(org.hl7.fhir.r4.model.Resource resource) {
        var request = new ca.uhn.fhir.rest.api.server.SystemRequestDetails();
        request.getUserData().put(uk.linkwell.gateway.fhir.ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        return (IdType) daos.getResourceDao(resource.fhirType()).create(resource, request).getId();
    }

    private static String unique() {
        return UUID.randomUUID().toString();
    }

    private Bundle resolve(Bundle bundle) {
        return new TransactionTemplate(transactionManager).execute(tx -> resolver.resolve(bundle));
    }

    /** A create-if-absent entry as the CLD mapper writes it. */
    private static Bundle.BundleEntryComponent createIfAbsent(Bundle bundle, org.hl7.fhir.r4.model.Resource resource,
            String system, String value) {
        String fullUrl = CldMapper.fullUrl(resource.fhirType(), new org.hl7.fhir.r4.model.Identifier()
                .setSystem(system).setValue(value));
        Bundle.BundleEntryComponent entry = bundle.addEntry().setFullUrl(fullUrl).setResource(resource);
        entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType())
                .setIfNoneExist(resource.fhirType() + "?identifier=" + system + "|"
                        + java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
        return entry;
    }

    private static Task task(String system, String value, String patientRef, String ownerRef) {
        Task task = new Task().setStatus(Task.TaskStatus.INPROGRESS).setIntent(Task.TaskIntent.ORDER);
        task.addIdentifier().setSystem(system).setValue(value);
        task.getFor().setReference(patientRef);
        task.getOwner().setReference(ownerRef);
        return task;
    }

    @Test
    void newEventRecordsBecomePlainCreatesAndEverythingElseIsLeftToHapi() {
        String ods = "https://fhir.nhs.uk/Id/ods-organization-code";
        String council = "Z" + unique().substring(0, 5);
        Organization stored = new Organization();
        stored.addIdentifier().setSystem(ods).setValue(council);
        stored.setName("Test council");
        IdType storedId = store(stored);

        String tasks = "https://fhir.linkwell.example/Id/socialcare/" + council + "/assessment";
        String storedTaskValue = "case 1/" + unique(); // needs URL encoding in the match URL
        CldFiles.Person[] people = {CldFiles.Person.fresh(council, 1), CldFiles.Person.fresh(council, 2)};
        Patient patient = new Patient();
        patient.addIdentifier().setSystem("https://fhir.nhs.uk/Id/nhs-number").setValue(people[0].nhsNumber());
        patient.addName().setFamily("Synthetic");
        IdType patientId = store(patient);
        store(task(tasks, storedTaskValue, patientId.toUnqualifiedVersionless().getValue(),
                storedId.toUnqualifiedVersionless().getValue()));

        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Organization again = new Organization();
        again.addIdentifier().setSystem(ods).setValue(council);
        String councilUrl = createIfAbsent(bundle, again, ods, council).getFullUrl();
        Patient newPerson = new Patient();
        newPerson.addIdentifier().setSystem("https://fhir.nhs.uk/Id/nhs-number").setValue(people[1].nhsNumber());
        String personUrl = createIfAbsent(bundle, newPerson, "https://fhir.nhs.uk/Id/nhs-number",
                people[1].nhsNumber()).getFullUrl();
        createIfAbsent(bundle, task(tasks, storedTaskValue, personUrl, councilUrl), tasks, storedTaskValue);
        String newTaskValue = "case 2/" + unique();
        Task newTask = task(tasks, newTaskValue, personUrl, councilUrl);
        createIfAbsent(bundle, newTask, tasks, newTaskValue);
        List<Bundle.BundleEntryComponent> sent = List.copyOf(bundle.getEntry());

        Bundle resolved = resolve(bundle);

        List<Bundle.BundleEntryComponent> entries = resolved.getEntry();
        assertThat(entries).hasSize(4);
        // Stored (found through HAPI's own index, so the hash agrees with HAPI's): HAPI finds them and writes nothing.
        assertThat(entries.get(0)).isSameAs(sent.get(0));
        assertThat(entries.get(2)).isSameAs(sent.get(2));
        // A new person stays create-if-absent: HAPI's guard against a second source creating them at once.
        assertThat(entries.get(1)).isSameAs(sent.get(1));
        // A new event record is a plain create of the same resource, still named by its fullUrl.
        Bundle.BundleEntryComponent created = entries.get(3);
        assertThat(created.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
        assertThat(created.getRequest().getUrl()).isEqualTo("Task");
        assertThat(created.getRequest().hasIfNoneExist()).isFalse();
        assertThat(created.getFullUrl()).isEqualTo(sent.get(3).getFullUrl());
        assertThat(created.getResource()).isSameAs(newTask);
        // The caller's entry is as it was: a chunk that rolls back is applied again from it.
        assertThat(sent.get(3).getRequest().hasIfNoneExist()).isTrue();
    }

    @Test
    void whatHapiMustDecideReachesItUntouched() {
        String system = "https://fhir.linkwell.example/Id/socialcare/ZTEST/review";
        String twice = unique();
        for (int i = 0; i < 2; i++) {
            store(task(system, twice, null, null));
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        // Stored twice: HAPI refuses it with 412, and the batch reports the row.
        createIfAbsent(bundle, task(system, twice, null, null), system, twice);
        // HAPI would read the comma as "or", the backslash as an escape.
        createIfAbsent(bundle, task(system, "a,b", null, null), system, "a,b");
        createIfAbsent(bundle, task(system, "a\\,b", null, null), system, "a\\,b");
        Bundle.BundleEntryComponent byStatus = bundle.addEntry().setFullUrl("urn:uuid:" + unique())
                .setResource(task(system, unique(), null, null));
        byStatus.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Task")
                .setIfNoneExist("Task?identifier=" + system + "|x&status=in-progress");
        Bundle.BundleEntryComponent update = bundle.addEntry().setFullUrl("urn:uuid:" + unique())
                .setResource(task(system, unique(), null, null));
        update.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl("Task?identifier=" + system + "|y");
        List<Bundle.BundleEntryComponent> sent = List.copyOf(bundle.getEntry());

        assertThat(resolve(bundle).getEntry()).containsExactlyElementsOf(sent);
    }
}
