package uk.linkwell.mappings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden-file check every mapper's test shares: the mapped Bundle must equal the expected JSON
 * structurally; {@code -Dgolden.update=true} rewrites the expected files so a reviewer can diff them.
 */
public final class GoldenFile {

    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFile() {}

    public static void assertMatches(Path expectedFile, String actualJson, String name) throws IOException {
        if (UPDATE) {
            Files.writeString(expectedFile, actualJson + "\n", StandardCharsets.UTF_8);
        }
        assertThat(expectedFile)
                .as("expected file; create it with -Dgolden.update=true")
                .exists();
        assertThat(JSON.readTree(actualJson)).as(name).isEqualTo(JSON.readTree(Files.readString(expectedFile)));
    }
}
