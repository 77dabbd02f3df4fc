package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.mappings.GoldenFile;

/**
 * Maps every {@code *.hl7} under src/test/resources/hl7v2/adt and compares the Bundle with the
 * {@code *.expected.json} beside it, structurally. Run with {@code -Dgolden.update=true} to rewrite
 * the expected files, then review the diff.
 */
class AdtGoldenFileTest {

    static Stream<String> messages() throws IOException {
        try (Stream<Path> files = Files.list(AdtFixtures.GOLDEN_DIR)) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".hl7"))
                    .map(n -> n.substring(0, n.length() - ".hl7".length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @Test
    void everyEventAndVersionHasAGoldenFile() throws IOException {
        List<String> names = messages().toList();
        for (String event : List.of("a01", "a02", "a03", "a08", "a11", "a13", "a40")) {
            assertThat(names).anyMatch(n -> n.startsWith("adt-" + event + "-"));
        }
        for (String version : List.of("v23-", "v231-", "v24-", "v25-", "v251-")) {
            assertThat(names).anyMatch(n -> n.contains("-" + version));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void mapsAsTheGoldenFileSays(String name) throws Exception {
        Bundle bundle = AdtFixtures.map(name);
        String actual = AdtFixtures.json(bundle);
        Path expectedFile = AdtFixtures.GOLDEN_DIR.resolve(name + ".expected.json");
        GoldenFile.assertMatches(expectedFile, actual, name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void mappingTheSameMessageTwiceGivesTheSameBundle(String name) throws Exception {
        assertThat(AdtFixtures.json(AdtFixtures.map(name))).isEqualTo(AdtFixtures.json(AdtFixtures.map(name)));
    }
}
