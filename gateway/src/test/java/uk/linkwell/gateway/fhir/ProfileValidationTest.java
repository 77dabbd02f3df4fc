package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Writes are validated against the Linkwell profiles by the running gateway: the package's valid examples
 * are stored, every invalid one is refused with 422 and an OperationOutcome naming the element and rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProfileValidationTest extends GatewayIntegrationTest {

    /** The examples are the profiles module's own test data: one source of truth for both modules. */
    static final Path EXAMPLES = Path.of("..", "profiles", "src", "test", "resources", "examples");

    static final Pattern REFERENCE = Pattern.compile("\"reference\"\\s*:\\s*\"([A-Za-z]+)/([A-Za-z0-9\\-.]+)\"");

    private IParser json;
    private final Map<String, Resource> validExamples = new LinkedHashMap<>();

    @BeforeAll
    void loadExamples() throws IOException {
        json = fhirContext.newJsonParser();
        try (Stream<Path> files = Files.list(EXAMPLES.resolve("valid"))) {
            files.filter(f -> f.toString().endsWith(".json"))
                    .sorted()
                    .forEach(f -> validExamples.put(f.getFileName().toString(), read(f)));
        }
        assertThat(validExamples).hasSizeGreaterThanOrEqualTo(10);
    }

    private Resource read(Path file) {
        try {
            return (Resource) json.parseResource(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores the valid examples (and minimal targets for what they reference) once. */
    private synchronized void storeValidExamples(IGenericClient client) {
        if (client.search()
                        .byUrl("Patient?_id=lw-patient-1")
                        .returnBundle(Bundle.class)
                        .execute()
                        .getTotal()
                > 0) {
            return;
        }
        Set<String> provided = new TreeSet<>();
        validExamples
                .values()
                .forEach(r -> provided.add(r.fhirType() + "/" + r.getIdElement().getIdPart()));
        Set<String> referenced = new TreeSet<>();
        validExamples.values().forEach(r -> {
            Matcher m = REFERENCE.matcher(json.encodeResourceToString(r));
            while (m.find()) {
                referenced.add(m.group(1) + "/" + m.group(2));
            }
        });
        // One transaction for the stand-ins and the first example of each id (they reference each other);
        // examples that are alternative versions of the same id are then stored as updates.
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (String ref : referenced) {
            if (!provided.contains(ref)) {
                tx.addEntry()
                        .setResource(minimalTarget(ref))
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.PUT)
                        .setUrl(ref);
            }
        }
        Set<String> inTransaction = new TreeSet<>();
        List<Resource> alternatives = new ArrayList<>();
        for (Resource example : validExamples.values()) {
            String ref = example.fhirType() + "/" + example.getIdElement().getIdPart();
            if (inTransaction.add(ref)) {
                tx.addEntry()
                        .setResource(example)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.PUT)
                        .setUrl(ref);
            } else {
                alternatives.add(example);
            }
        }
        client.transaction().withBundle(tx).execute();
        alternatives.forEach(example -> client.update().resource(example).execute());
    }

    /** A stand-in for a referenced resource no example provides; of a profiled type it copies an example. */
    private Resource minimalTarget(String ref) {
        String type = ref.substring(0, ref.indexOf('/'));
        String id = ref.substring(ref.indexOf('/') + 1);
        Resource target = validExamples.values().stream()
                .filter(r -> r.fhirType().equals(type))
                .findFirst()
                .map(Resource::copy)
                .orElseGet(
                        () -> (Resource) fhirContext.getResourceDefinition(type).newInstance());
        target.setId(id);
        return target;
    }

    @Test
    void everyValidExampleIsAccepted() {
        IGenericClient client = client();
        storeValidExamples(client);
        for (Map.Entry<String, Resource> example : validExamples.entrySet()) {
            Resource stored = (Resource) client.read()
                    .resource(example.getValue().fhirType())
                    .withId(example.getValue().getIdElement().getIdPart())
                    .execute();
            assertThat(stored.getMeta().getVersionId()).as(example.getKey()).isNotNull();
        }
        // An example stored again unchanged is accepted again (update, not a validation failure).
        Resource patient = validExamples.get("Patient-nhs-9434765919.json");
        assertThat(client.update().resource(patient).execute().getId()).isNotNull();
    }

    @Test
    void everyInvalidExampleIsRefusedWith422NamingTheElementAndRule() throws IOException {
        IGenericClient client = client();
        storeValidExamples(client);
        JsonNode expectations = new ObjectMapper()
                .readTree(EXAMPLES.resolve("invalid/expectations.json").toFile());
        assertThat(expectations.size()).isGreaterThanOrEqualTo(20);
        Iterator<Map.Entry<String, JsonNode>> fields = expectations.fields();
        int checked = 0;
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> expected = fields.next();
            Resource invalid = read(EXAMPLES.resolve("invalid").resolve(expected.getKey()));
            invalid.setId((String) null);
            UnprocessableEntityException refused = catchThrowableOfType(
                    () -> client.create().resource(invalid).execute(), UnprocessableEntityException.class);
            assertThat(refused).as(expected.getKey() + " should be refused").isNotNull();
            OperationOutcome outcome = (OperationOutcome) refused.getOperationOutcome();
            String path = expected.getValue().get("path").asText();
            String rule = expected.getValue().get("rule").asText();
            assertThat(outcome.getIssue()).as(expected.getKey()).anySatisfy(issue -> {
                assertThat(issue.getSeverity())
                        .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
                assertThat(issue.getExpression()).extracting(Object::toString).contains(path);
                assertThat(issue.getDiagnostics()).contains(rule);
            });
            checked++;
        }
        assertThat(checked).isEqualTo(expectations.size());
    }

    @Test
    void nhsNumberCheckDigitIsEnforced() {
        IGenericClient client = client();
        assertThat(client.create()
                        .resource(LinkwellFixtures.patient("9434765919"))
                        .execute()
                        .getCreated())
                .isTrue();
        for (String bad : List.of("9434765918", "943476591")) {
            UnprocessableEntityException refused = catchThrowableOfType(
                    () -> client.create()
                            .resource(LinkwellFixtures.patient(bad))
                            .execute(),
                    UnprocessableEntityException.class);
            assertThat(refused).as(bad).isNotNull();
            OperationOutcome outcome = (OperationOutcome) refused.getOperationOutcome();
            assertThat(outcome.getIssueFirstRep().getExpression().get(0).getValue())
                    .isEqualTo("Patient.identifier[0].value");
            assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("nhs-number-check");
            assertThat(outcome.getIssueFirstRep().getDiagnostics()).doesNotContain(bad);
        }
    }

    @Test
    void aTransactionWithOneInvalidEntryStoresNothing() {
        IGenericClient client = client();
        String good = SyntheticNhsNumbers.next();
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        tx.addEntry()
                .setResource(LinkwellFixtures.patient(good))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        tx.addEntry()
                .setResource(LinkwellFixtures.patient("9434765918"))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");

        UnprocessableEntityException refused = catchThrowableOfType(
                () -> client.transaction().withBundle(tx).execute(), UnprocessableEntityException.class);

        assertThat(refused).isNotNull();
        assertThat(((OperationOutcome) refused.getOperationOutcome()).getIssue())
                .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("nhs-number-check"));
        assertThat(client.search()
                        .byUrl("Patient?identifier=" + LinkwellFixtures.NHS + "|" + good)
                        .returnBundle(Bundle.class)
                        .execute()
                        .getTotal())
                .isZero();
    }

    @Test
    void resourcesOfUnprofiledTypesAreStoredAsBaseFhir() {
        IGenericClient client = client();
        org.hl7.fhir.r4.model.Organization bare = new org.hl7.fhir.r4.model.Organization().setName("No ODS code");
        assertThat(client.create().resource(bare).execute().getCreated()).isTrue();
    }

    @Test
    void theProfilesAreServedAsStructureDefinitions() {
        Bundle found = client().search()
                .byUrl("StructureDefinition?url=" + LinkwellProfiles.PATIENT)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getTotal()).isEqualTo(1);
        assertThat(((StructureDefinition) found.getEntryFirstRep().getResource()).getType())
                .isEqualTo("Patient");
    }

    @Test
    void carePlansAreSearchableByComplexityRating() {
        IGenericClient client = client();
        Reference patient = new Reference(client.create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference team = new Reference(client.create()
                .resource(LinkwellFixtures.organisation("LW0002", "Link workers"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        String red = client.create()
                .resource(LinkwellFixtures.withComplexity(LinkwellFixtures.actionPlan(patient, team), "red"))
                .execute()
                .getId()
                .getIdPart();
        client.create()
                .resource(LinkwellFixtures.withComplexity(LinkwellFixtures.actionPlan(patient, team), "green"))
                .execute();
        client.create().resource(LinkwellFixtures.actionPlan(patient, team)).execute();

        Bundle reds = client.search()
                .byUrl("CarePlan?subject=" + patient.getReference() + "&complexity=red")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(reds.getEntry())
                .extracting(e -> e.getResource().getIdElement().getIdPart())
                .containsExactly(red);
        Bundle all = client.search()
                .byUrl("CarePlan?subject=" + patient.getReference())
                .returnBundle(Bundle.class)
                .execute();
        assertThat(all.getTotal()).isEqualTo(3);
    }

    @Test
    void tasksAreSearchableByDueDate() {
        IGenericClient client = client();
        Reference patient = new Reference(client.create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference team = new Reference(client.create()
                .resource(LinkwellFixtures.organisation("LW0003", "Care management"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference referral = new Reference(client.create()
                .resource(LinkwellFixtures.referral(patient, team, team))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        String overdue = client.create()
                .resource(task(patient, referral, "2026-01-05"))
                .execute()
                .getId()
                .getIdPart();
        client.create().resource(task(patient, referral, "2027-06-30")).execute();

        Bundle due = client.search()
                .byUrl("Task?patient=" + patient.getReference() + "&due-date=lt2026-06-01")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(due.getEntry())
                .extracting(e -> e.getResource().getIdElement().getIdPart())
                .containsExactly(overdue);
    }

    private static Task task(Reference patient, Reference referral, String due) {
        Task task = new Task()
                .setStatus(Task.TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(referral)
                .setFor(patient)
                .setAuthoredOnElement(new DateTimeType("2026-01-02T09:00:00Z"));
        task.getRestriction().setPeriod(new Period().setEndElement(new DateTimeType(due)));
        return task;
    }
}
