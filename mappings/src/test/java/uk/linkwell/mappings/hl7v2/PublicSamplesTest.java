package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the mapper over public sample messages that nobody here wrote (v2.8, US-shaped), read from
 * shared/testdata outside the repository and never copied into it. Only with -Psamples; the directory
 * can be moved with -Dlinkwell.samples.dir=...
 *
 * <p>With the default configuration a supported ADT event must map when its PID carries an NHS number
 * and otherwise be rejected with 101 at PID-3 (none of the public samples has one: they are all
 * rejected). So that the rest of each sample's mapping is still exercised, a second pass maps them with
 * {@code allowPatientsWithoutNhsNumber} and a default discharge pathway: each must then map, or fail with
 * a specific HL7 error, never with an unchecked exception or an internal error.
 */
@Tag("samples")
class PublicSamplesTest {

    private static final Pattern MESSAGE_TYPE = Pattern.compile("\\|(\\w{3})\\^(\\w{3})");
    // PID-3 repetitions typed NH / NHSNBR or assigned by NHS, as PatientMapping recognises them.
    private static final Pattern NHS_NUMBER_IN_PID =
            Pattern.compile("(?m)^PID\\|[^|]*\\|[^|]*\\|[^|]*(\\^NHS(\\^|~|\\||&)|\\^NH(~|\\||\\^|$)|\\^NHSNBR)");

    static Stream<Path> samples() throws IOException {
        Path dir = Path.of(System.getProperty("linkwell.samples.dir", "../../shared/testdata/hl7v2"));
        assertThat(dir).as("sample directory (set -Dlinkwell.samples.dir)").isDirectory();
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> found =
                    files.filter(p -> p.toString().endsWith(".hl7")).sorted().toList();
            assertThat(found).isNotEmpty();
            return found.stream();
        }
    }

    private record Sample(String name, byte[] bytes, boolean adt, boolean supportedEvent, boolean hasNhsNumber) {
        static Sample read(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "\n");
            String name = file.getFileName().toString();
            Matcher type = MESSAGE_TYPE.matcher(text);
            assertThat(type.find()).as(name + " has a message type").isTrue();
            boolean adt = type.group(1).equals("ADT");
            return new Sample(
                    name,
                    bytes,
                    adt,
                    adt && AdtEvent.of(type.group(2)).isPresent(),
                    NHS_NUMBER_IN_PID.matcher(text).find());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void mapsOnlyWithAnNhsNumberOrRejectsWithASpecificError(Path file) throws IOException {
        Sample sample = Sample.read(file);
        AdtMapper mapper = new AdtMapper(AdtFixtures.config());
        try {
            Bundle bundle = mapper.map(sample.bytes(), AdtFixtures.context("sample"));
            assertThat(sample.supportedEvent())
                    .as("mapped, so it must be a supported ADT event")
                    .isTrue();
            assertThat(sample.hasNhsNumber())
                    .as(sample.name() + " mapped, so its PID must carry an NHS number")
                    .isTrue();
            assertWellFormed(bundle);
        } catch (Hl7MappingException e) {
            assertSpecific(sample, e);
            if (sample.supportedEvent() && !sample.hasNhsNumber()) {
                assertThat(e.errorCode())
                        .as(sample.name() + ": " + e.getMessage())
                        .isEqualTo(Hl7ErrorCode.REQUIRED_FIELD_MISSING);
                assertThat(e.location().toString())
                        .as(sample.name() + ": " + e.getMessage())
                        .isEqualTo("PID-3.1");
                assertThat(e.getMessage()).contains("no NHS number");
            } else if (sample.supportedEvent()) {
                fail(sample.name() + " is a supported event with an NHS number and should map, but: " + e.getMessage());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void mapsWhenPatientsWithoutNhsNumberAreAllowed(Path file) throws IOException {
        Sample sample = Sample.read(file);
        AdtMapper lenient = new AdtMapper(AdtMappingConfig.builder()
                .careTeam(AdtFixtures.CARE_TEAM_ODS, null)
                .allowPatientsWithoutNhsNumber(true)
                .defaultDischargePathway(DischargePathway.PATHWAY_0)
                .build());
        try {
            Bundle bundle = lenient.map(sample.bytes(), AdtFixtures.context("sample"));
            assertThat(sample.supportedEvent())
                    .as("mapped, so it must be a supported ADT event")
                    .isTrue();
            String json = assertWellFormed(bundle);
            // Written under target/ (never into the sources) so a reviewer can look at what the samples gave.
            Path out = Path.of("target/samples", sample.name() + ".json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, json);
        } catch (Hl7MappingException e) {
            assertSpecific(sample, e);
            if (sample.supportedEvent()) {
                fail(sample.name() + " is a supported event and should map, but: " + e.getMessage());
            }
        }
    }

    /**
     * The referral mapper on the REF samples: a REF^I12 without an NHS number (all public ones) must be
     * rejected with 101 at PID-3, like ADT; other message types with 200.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void referralsAreRejectedWithoutAnNhsNumber(Path file) throws IOException {
        Sample sample = Sample.read(file);
        String text = new String(sample.bytes(), StandardCharsets.ISO_8859_1);
        boolean referral = text.contains("|REF^I12");
        ReferralMapper mapper = new ReferralMapper(ReferralMappingConfig.defaults());
        try {
            Bundle bundle = mapper.map(sample.bytes(), AdtFixtures.context("sample"));
            assertThat(referral && sample.hasNhsNumber())
                    .as(sample.name() + " mapped as a referral")
                    .isTrue();
            assertWellFormed(bundle);
        } catch (Hl7MappingException e) {
            assertThat(e.errorCode())
                    .as(sample.name() + ": " + e.getMessage())
                    .isNotEqualTo(Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
            if (!referral) {
                assertThat(e.errorCode()).as(sample.name()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE);
            } else if (!sample.hasNhsNumber()) {
                assertThat(e.errorCode())
                        .as(sample.name() + ": " + e.getMessage())
                        .isEqualTo(Hl7ErrorCode.REQUIRED_FIELD_MISSING);
                assertThat(e.location().toString()).isEqualTo("PID-3.1");
                assertThat(e.getMessage()).contains("no NHS number");
            } else {
                fail(sample.name() + " is a referral with an NHS number and should map, but: " + e.getMessage());
            }
        }
    }

    private static String assertWellFormed(Bundle bundle) {
        assertThat(bundle.getEntry()).isNotEmpty();
        assertThat(bundle.getEntry())
                .allSatisfy(e -> assertThat(e.getRequest().getUrl()).isNotBlank());
        assertThat(bundle.getEntryFirstRep().getResource()).isNotNull();
        // Encoding proves the bundle is well formed enough for HAPI to serialise.
        String json = AdtFixtures.json(bundle);
        assertThat(json).contains("\"transaction\"");
        return json;
    }

    private static void assertSpecific(Sample sample, Hl7MappingException e) {
        assertThat(e.errorCode())
                .as(sample.name() + ": " + e.getMessage())
                .isNotEqualTo(Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
        if (!sample.adt()) {
            assertThat(e.errorCode()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE);
        } else if (!sample.supportedEvent()) {
            assertThat(e.errorCode()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_EVENT_CODE);
        }
    }
}
