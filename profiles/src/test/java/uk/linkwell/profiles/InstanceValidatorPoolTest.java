package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.junit.jupiter.api.Test;

/**
 * The pooled validators (reused validators and element-model parsers) report what HAPI's own
 * FhirInstanceValidator reports, which builds a new validator and parser for every call.
 */
class InstanceValidatorPoolTest {

    private static final Path EXAMPLES = Path.of("src/test/resources/examples");

    @Test
    void reusedValidatorsAndParsersReportWhatAFreshHapiValidatorReports() throws IOException {
        FhirValidator hapi = freshHapiValidator();
        List<Path> files = new ArrayList<>();
        files.addAll(jsonFiles(EXAMPLES.resolve("valid")));
        files.addAll(jsonFiles(EXAMPLES.resolve("invalid")));
        assertThat(files).hasSizeGreaterThan(40);

        int withErrors = 0;
        // Twice over, valid and invalid interleaved, so that every pooled parser and validator is reused after both.
        for (int round = 0; round < 2; round++) {
            for (Path file : files) {
                IBaseResource resource = SharedValidator.FHIR.newJsonParser().parseResource(Files.readString(file));

                List<String> pooled = describe(SharedValidator.validator().validate(resource));
                List<String> fresh = describe(hapi.validateWithResult(resource));

                assertThat(pooled).as(file.getFileName().toString()).containsExactlyInAnyOrderElementsOf(fresh);
                if (pooled.stream().anyMatch(m -> m.startsWith("ERROR") || m.startsWith("FATAL"))) {
                    withErrors++;
                }
            }
        }
        // The comparison covered failing content, not only clean resources.
        assertThat(withErrors).isGreaterThanOrEqualTo(2 * 30);
    }

    @Test
    void baseRulesWithoutAClaimedProfileAreReportedAsHapiReportsThem() {
        FhirValidator hapi = freshHapiValidator();
        // No Linkwell profile claimed: a contact with nothing in it (invariant pat-1) and an Observation without
        // its required status and code.
        IBaseResource patient = SharedValidator.FHIR
                .newJsonParser()
                .parseResource("{\"resourceType\":\"Patient\",\"contact\":[{\"gender\":\"female\"}]}");
        IBaseResource observation = SharedValidator.FHIR
                .newJsonParser()
                .parseResource("{\"resourceType\":\"Observation\",\"valueString\":\"x\"}");

        for (IBaseResource resource : List.of(patient, observation, patient)) {
            List<String> pooled = describe(SharedValidator.validator().validate(resource));

            assertThat(pooled)
                    .anyMatch(m -> m.startsWith("ERROR"))
                    .containsExactlyInAnyOrderElementsOf(describe(hapi.validateWithResult(resource)));
        }
    }

    @Test
    void contentTheParserMustFlagIsReportedAsHapiReportsIt() {
        FhirValidator hapi = freshHapiValidator();
        InstanceValidatorPool pool = new InstanceValidatorPool(
                new FhirInstanceValidator(SharedValidator.support().chain()),
                SharedValidator.support().chain(),
                1);
        // Raw JSON that no HAPI encoder writes: an unknown property, a number for a date, a string for an array.
        String json = "{\"resourceType\":\"Patient\",\"nickname\":\"x\",\"birthDate\":1980,\"name\":\"Smith\"}";
        String clean = "{\"resourceType\":\"Patient\",\"gender\":\"female\"}";

        // One pooled validator and parser, used for bad, clean and bad content in turn.
        for (String content : List.of(json, clean, json)) {
            List<String> pooled = new ArrayList<>();
            for (ValidationMessage m : pool.validate(content, List.of())) {
                pooled.add(m.getLevel().toCode().toUpperCase(Locale.ROOT) + " @ " + m.getLocation() + " ["
                        + m.getMessageId() + "] " + m.getMessage());
            }

            assertThat(pooled).containsExactlyInAnyOrderElementsOf(describe(hapi.validateWithResult(content)));
            assertThat(pooled.stream().anyMatch(m -> m.startsWith("ERROR") || m.startsWith("FATAL")))
                    .isEqualTo(content.equals(json));
        }
    }

    /** HAPI's own validator, which builds a new InstanceValidator and parser for every call. */
    private static FhirValidator freshHapiValidator() {
        return SharedValidator.FHIR
                .newValidator()
                .registerValidatorModule(
                        new FhirInstanceValidator(SharedValidator.support().chain()));
    }

    private static List<String> describe(ValidationResult result) {
        List<String> out = new ArrayList<>();
        for (SingleValidationMessage m : result.getMessages()) {
            out.add(m.getSeverity() + " @ " + m.getLocationString() + " [" + m.getMessageId() + "] " + m.getMessage());
        }
        return out;
    }

    private static List<Path> jsonFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".json") && !p.endsWith("expectations.json"))
                    .sorted()
                    .toList();
        }
    }
}
