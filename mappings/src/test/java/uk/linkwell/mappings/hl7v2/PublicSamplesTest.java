package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the mapper over public sample messages that nobody here wrote (v2.8, US-shaped), read from
 * shared/testdata outside the repository and never copied into it. Each must map or fail with a
 * specific HL7 error, never with an unchecked exception or an internal error. Only with -Psamples;
 * the directory can be moved with -Dlinkwell.samples.dir=...
 */
@Tag("samples")
class PublicSamplesTest {

  static Stream<Path> samples() throws IOException {
    Path dir = Path.of(System.getProperty("linkwell.samples.dir", "../../shared/testdata/hl7v2"));
    assertThat(dir).as("sample directory (set -Dlinkwell.samples.dir)").isDirectory();
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> found = files.filter(p -> p.toString().endsWith(".hl7")).sorted().toList();
      assertThat(found).isNotEmpty();
      return found.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void mapsOrRejectsWithASpecificError(Path sample) throws IOException {
    byte[] bytes = Files.readAllBytes(sample);
    AdtMapper mapper = new AdtMapper(AdtFixtures.config());
    String name = sample.getFileName().toString();
    java.util.regex.Matcher type = java.util.regex.Pattern.compile("\\|(\\w{3})\\^(\\w{3})")
        .matcher(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(type.find()).as(name + " has a message type").isTrue();
    boolean adt = type.group(1).equals("ADT");
    boolean supportedEvent = adt && AdtEvent.of(type.group(2)).isPresent();
    try {
      Bundle bundle = mapper.map(bytes, AdtFixtures.context("sample"));
      assertThat(supportedEvent).as("mapped, so it must be a supported ADT event").isTrue();
      assertThat(bundle.getEntry()).isNotEmpty();
      assertThat(bundle.getEntry()).allSatisfy(e -> assertThat(e.getRequest().getUrl()).isNotBlank());
      assertThat(bundle.getEntryFirstRep().getResource()).isNotNull();
      // Encoding proves the bundle is well formed enough for HAPI to serialise.
      String json = AdtFixtures.json(bundle);
      assertThat(json).contains("\"transaction\"");
      // Written under target/ (never into the sources) so a reviewer can look at what the samples gave.
      Path out = Path.of("target/samples", name + ".json");
      Files.createDirectories(out.getParent());
      Files.writeString(out, json);
    } catch (Hl7MappingException e) {
      assertThat(e.errorCode()).as(name + ": " + e.getMessage()).isNotEqualTo(Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
      if (!adt) {
        assertThat(e.errorCode()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE);
      } else if (!supportedEvent) {
        assertThat(e.errorCode()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_EVENT_CODE);
      } else {
        fail(name + " is a supported event and should map, but: " + e.getMessage());
      }
    }
  }
}
