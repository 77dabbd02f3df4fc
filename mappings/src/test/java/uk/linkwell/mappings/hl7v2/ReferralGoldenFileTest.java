package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.mappings.GoldenFile;

/**
 * Maps every {@code *.hl7} under src/test/resources/hl7v2/ref and compares the Bundle with the
 * {@code *.expected.json} beside it, structurally. {@code -Dgolden.update=true} rewrites the expected files.
 */
class ReferralGoldenFileTest {

    static Stream<String> messages() {
        return ReferralFixtures.names();
    }

    @Test
    void theSupportedVersionsHaveGoldenFiles() {
        List<String> names = messages().toList();
        for (String version : List.of("v23-", "v24-", "v251-")) {
            assertThat(names).anyMatch(n -> n.startsWith("ref-i12-" + version));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void mapsAsTheGoldenFileSays(String name) throws Exception {
        String actual = AdtFixtures.json(ReferralFixtures.map(name));
        Path expectedFile = ReferralFixtures.GOLDEN_DIR.resolve(name + ".expected.json");
        GoldenFile.assertMatches(expectedFile, actual, name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void mappingTheSameMessageTwiceGivesTheSameBundle(String name) throws Exception {
        assertThat(AdtFixtures.json(ReferralFixtures.map(name)))
                .isEqualTo(AdtFixtures.json(ReferralFixtures.map(name)));
    }
}
