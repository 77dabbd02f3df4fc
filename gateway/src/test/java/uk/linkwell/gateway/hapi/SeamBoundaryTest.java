package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * HAPI's tables are named only inside the seam: no main source file outside {@code uk/linkwell/gateway/hapi/}
 * mentions {@code HFJ_} (in SQL, a comment or anything else), so a HAPI upgrade can break nothing outside it.
 */
class SeamBoundaryTest {

    private static Path mainSources() {
        Path here = Path.of("src/main/java");
        return Files.isDirectory(here) ? here : Path.of("gateway/src/main/java");
    }

    @Test
    void hapiTablesAreNamedOnlyInTheSeam() throws IOException {
        Path root = mainSources();
        Path seam = root.resolve("uk/linkwell/gateway/hapi");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("main sources under " + root.toAbsolutePath()).hasSizeGreaterThan(50);
        List<String> outside = sources.stream()
                .filter(f -> !f.startsWith(seam))
                .filter(f -> read(f).toUpperCase(Locale.ROOT).contains("HFJ_"))
                .map(f -> root.relativize(f).toString())
                .toList();
        assertThat(outside)
                .as("files naming HAPI's HFJ_ tables outside the hapi seam")
                .isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(file.toString(), e);
        }
    }
}
