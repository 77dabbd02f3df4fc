package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;

/** The package loads from the classpath, offline, and holds what the gateway relies on. */
class LinkwellPackageTest {

    private static final Path PACKAGE_FOLDER = Path.of("src/main/resources/linkwell-package/package");

    @Test
    void manifestNamesThePackageAndOnlyDependsOnR4Core() throws IOException {
        JsonNode manifest = new ObjectMapper()
                .readTree(PACKAGE_FOLDER.resolve("package.json").toFile());

        assertThat(manifest.path("name").asText()).isEqualTo("linkwell.fhir.r4");
        assertThat(manifest.path("version").asText()).isEqualTo("0.1.0");
        assertThat(manifest.path("fhirVersions").get(0).asText()).isEqualTo("4.0.1");
        assertThat(manifest.path("dependencies").size()).isEqualTo(1);
        assertThat(manifest.path("dependencies").path("hl7.fhir.r4.core").asText())
                .isEqualTo("4.0.1");
        assertThat(SharedValidator.pkg().name()).isEqualTo("linkwell.fhir.r4");
        assertThat(SharedValidator.pkg().version()).isEqualTo("0.1.0");
    }

    @Test
    void indexListsExactlyTheResourceFilesInTheFolder() throws IOException {
        JsonNode index = new ObjectMapper()
                .readTree(PACKAGE_FOLDER.resolve(".index.json").toFile());
        List<String> indexed = new ArrayList<>();
        index.path("files").forEach(f -> indexed.add(f.path("filename").asText()));
        List<String> onDisk;
        try (Stream<Path> files = Files.list(PACKAGE_FOLDER)) {
            onDisk = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.equals("package.json") && !n.startsWith("."))
                    .toList();
        }

        assertThat(indexed).containsExactlyInAnyOrderElementsOf(onDisk);
        assertThat(SharedValidator.pkg().resources()).hasSize(onDisk.size());
    }

    @Test
    void everyResourceIsActiveVersionedAndDescribed() {
        for (var resource : SharedValidator.pkg().resources()) {
            MetadataResource md = (MetadataResource) resource;
            assertThat(md.getStatus()).as(md.getUrl()).isEqualTo(PublicationStatus.ACTIVE);
            assertThat(md.getVersion()).as(md.getUrl()).isEqualTo("0.1.0");
            assertThat(md.getDescription()).as(md.getUrl()).isNotBlank();
            assertThat(md.getUrl())
                    .as("canonical of " + md.getIdElement().getIdPart())
                    .matches("https://fhir\\.linkwell\\.example/.*|https://fhir\\.hl7\\.org\\.uk/.*UKCore.*");
        }
    }

    @Test
    void listsResourcesByType() {
        Map<String, List<String>> byType = SharedValidator.pkg().idsByType();

        assertThat(byType.get("StructureDefinition"))
                .contains("LinkwellPatient", "complexity-rating", "Extension-UKCore-NHSNumberVerificationStatus");
        assertThat(byType.get("CodeSystem"))
                .contains(
                        "complexity-rating",
                        "referral-decline-reason",
                        "care-plan-category",
                        "recipient-role",
                        "UKCore-NHSNumberVerificationStatusEngland");
        assertThat(byType.get("ValueSet")).contains("snomed-codes", "security-labels", "complexity-rating");
    }

    @Test
    void everyDefaultProfileIsInThePackage() {
        List<String> urls = SharedValidator.pkg().structureDefinitions().stream()
                .map(StructureDefinition::getUrl)
                .toList();

        LinkwellProfiles.DEFAULT_PROFILES.forEach((type, url) -> {
            assertThat(urls).contains(url);
            StructureDefinition sd = SharedValidator.pkg().structureDefinitions().stream()
                    .filter(s -> s.getUrl().equals(url))
                    .findFirst()
                    .orElseThrow();
            assertThat(sd.getType()).isEqualTo(type);
        });
    }

    @Test
    void searchParametersCoverComplexityAndDueDate() {
        Map<String, SearchParameter> byId = new java.util.HashMap<>();
        SharedValidator.pkg()
                .searchParameters()
                .forEach(sp -> byId.put(sp.getIdElement().getIdPart(), sp));

        assertThat(byId).containsOnlyKeys("CarePlan-complexity", "EpisodeOfCare-complexity", "Task-due-date");
        SearchParameter carePlan = byId.get("CarePlan-complexity");
        assertThat(carePlan.getCode()).isEqualTo("complexity");
        assertThat(carePlan.getType()).isEqualTo(SearchParamType.TOKEN);
        assertThat(carePlan.getBase()).extracting(b -> b.getValue()).containsExactly("CarePlan");
        assertThat(carePlan.getExpression())
                .isEqualTo("CarePlan.extension('" + LinkwellProfiles.COMPLEXITY_RATING_EXTENSION + "').value");
        SearchParameter due = byId.get("Task-due-date");
        assertThat(due.getCode()).isEqualTo("due-date");
        assertThat(due.getType()).isEqualTo(SearchParamType.DATE);
        assertThat(due.getExpression()).isEqualTo("Task.restriction.period.end");
        assertThat(byId.values()).allSatisfy(sp -> assertThat(sp.getStatus()).isEqualTo(PublicationStatus.ACTIVE));
    }

    @Test
    void searchParameterExpressionsSelectTheValuesInTheExamples() throws IOException {
        var fhirPath = SharedValidator.FHIR.newFhirPath();
        var parser = SharedValidator.FHIR.newJsonParser();
        var carePlan = parser.parseResource(
                Files.readString(Path.of("src/test/resources/examples/valid/CarePlan-action-plan.json")));
        var task =
                parser.parseResource(Files.readString(Path.of("src/test/resources/examples/valid/Task-accepted.json")));

        var complexity = fhirPath.evaluate(
                carePlan, byId("CarePlan-complexity").getExpression(), org.hl7.fhir.r4.model.CodeableConcept.class);
        var due = fhirPath.evaluate(
                task, byId("Task-due-date").getExpression(), org.hl7.fhir.r4.model.DateTimeType.class);

        assertThat(complexity)
                .singleElement()
                .satisfies(cc -> assertThat(cc.getCodingFirstRep().getCode()).isEqualTo("amber"));
        assertThat(due).singleElement().satisfies(d -> assertThat(d.getValueAsString())
                .isEqualTo("2026-10-01"));
    }

    /** Loading and validating must not try the network: any connection attempt would consult the proxy selector. */
    @Test
    void loadsAndValidatesWithoutTouchingTheNetwork() throws IOException {
        List<URI> attempts = new ArrayList<>();
        ProxySelector previous = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                attempts.add(uri);
                throw new IllegalStateException("network access attempted: " + uri);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
        try {
            var fresh =
                    LinkwellValidationSupport.create(SharedValidator.FHIR, LinkwellPackage.load(SharedValidator.FHIR));
            var validator = new LinkwellValidator(SharedValidator.FHIR, fresh.chain());
            var result = validator.validate(NhsNumberInvariantTest.patient("9434765919"));

            assertThat(SharedValidator.errors(result)).isEmpty();
            assertThat(fresh.structureDefinitionsWithSnapshots())
                    .allSatisfy(sd -> assertThat(sd.hasSnapshot()).isTrue());
        } finally {
            ProxySelector.setDefault(previous);
        }
        assertThat(attempts).isEmpty();
    }

    private static SearchParameter byId(String id) {
        return SharedValidator.pkg().searchParameters().stream()
                .filter(sp -> sp.getIdElement().getIdPart().equals(id))
                .findFirst()
                .orElseThrow();
    }
}
