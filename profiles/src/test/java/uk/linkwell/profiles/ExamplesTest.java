package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.SingleValidationMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every valid example validates cleanly; every invalid one fails on the element and rule its index names. */
class ExamplesTest {

    private static final Path EXAMPLES = Path.of("src/test/resources/examples");
    private static final Path EXPECTATIONS = EXAMPLES.resolve("invalid/expectations.json");

    static Stream<Path> validExamples() throws IOException {
        return jsonFiles(EXAMPLES.resolve("valid"));
    }

    static Stream<Path> invalidExamples() throws IOException {
        return jsonFiles(EXAMPLES.resolve("invalid")).filter(p -> !p.equals(EXPECTATIONS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validExamples")
    void validExampleHasNoErrors(Path file) throws IOException {
        IBaseResource resource = parse(file);
        assertThat(resource.getMeta().getProfile())
                .as("example claims a Linkwell profile")
                .isNotEmpty();

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(resource));

        assertThat(errors).as(SharedValidator.describe(errors)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidExamples")
    void invalidExampleFailsOnTheNamedElementAndRule(Path file) throws IOException {
        JsonNode expected = expectations().get(file.getFileName().toString());
        assertThat(expected)
                .as("expectations.json names the path and rule for " + file)
                .isNotNull();
        String path = expected.path("path").asText();
        String rule = expected.path("rule").asText();

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(parse(file)));

        assertThat(errors)
                .as("an error at %s for rule '%s'; got:%s", path, rule, SharedValidator.describe(errors))
                .anySatisfy(m -> {
                    assertThat(m.getLocationString()).isEqualTo(path);
                    assertThat(m.getMessage() + " " + m.getMessageId()).contains(rule);
                });
    }

    @Test
    void expectationsIndexMatchesTheInvalidFolder() throws IOException {
        List<String> files =
                invalidExamples().map(p -> p.getFileName().toString()).sorted().toList();
        List<String> indexed = new ArrayList<>();
        expectations().fieldNames().forEachRemaining(indexed::add);

        assertThat(indexed).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void everyDefaultProfileHasOneValidAndTwoInvalidExamples() throws IOException {
        Map<String, Integer> valid = countByProfile(validExamples());
        Map<String, Integer> invalid = countByProfile(invalidExamples());

        for (String profile : LinkwellProfiles.DEFAULT_PROFILES.values()) {
            assertThat(valid.getOrDefault(profile, 0))
                    .as("valid examples of " + profile)
                    .isGreaterThanOrEqualTo(1);
            assertThat(invalid.getOrDefault(profile, 0))
                    .as("invalid examples of " + profile)
                    .isGreaterThanOrEqualTo(2);
        }
    }

    private static Map<String, Integer> countByProfile(Stream<Path> files) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (Path file : files.toList()) {
            parse(file).getMeta().getProfile().forEach(p -> counts.merge(p.getValue(), 1, Integer::sum));
        }
        return counts;
    }

    private static JsonNode expectations() throws IOException {
        return new ObjectMapper().readTree(EXPECTATIONS.toFile());
    }

    private static IBaseResource parse(Path file) throws IOException {
        return SharedValidator.FHIR.newJsonParser().parseResource(Files.readString(file));
    }

    private static Stream<Path> jsonFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }
}
