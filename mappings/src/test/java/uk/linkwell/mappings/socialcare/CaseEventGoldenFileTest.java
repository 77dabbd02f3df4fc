package uk.linkwell.mappings.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.mappings.GoldenFile;

/**
 * Maps each example event ({@code events/<type>.json}) and compares the Bundle with
 * {@code <type>.expected.json} beside it. {@code -Dgolden.update=true} rewrites the expected files.
 */
class CaseEventGoldenFileTest {

    static java.util.stream.Stream<String> types() {
        return CaseEventFixtures.types();
    }

    @Test
    void everyEventTypeHasAnExample() {
        assertThat(types().toList())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(CaseEventType.values())
                        .map(CaseEventType::wireName)
                        .toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void mapsAsTheGoldenFileSays(String type) throws Exception {
        String actual = CaseEventFixtures.json(CaseEventFixtures.map(CaseEventFixtures.event(type)));
        Path expectedFile = CaseEventFixtures.EVENTS_DIR.resolve(type + ".expected.json");
        GoldenFile.assertMatches(expectedFile, actual, type);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void everyEntryIsConditionalWithADeterministicFullUrl(String type) throws Exception {
        Bundle bundle = CaseEventFixtures.map(CaseEventFixtures.event(type));
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.TRANSACTION);
        assertThat(bundle.getEntry()).isNotEmpty().allSatisfy(entry -> {
            Bundle.BundleEntryRequestComponent request = entry.getRequest();
            assertThat(entry.getFullUrl()).startsWith("urn:uuid:");
            assertThat((request.getMethod() == Bundle.HTTPVerb.PUT
                                    && request.getUrl().contains("?identifier="))
                            || (request.getMethod() == Bundle.HTTPVerb.POST && request.hasIfNoneExist()))
                    .as(entry.getFullUrl())
                    .isTrue();
        });
        assertThat(CaseEventFixtures.json(CaseEventFixtures.map(CaseEventFixtures.event(type))))
                .isEqualTo(CaseEventFixtures.json(bundle));
    }
}
