package uk.linkwell.mappings.hl7v2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;

/** Configuration and files for the REF^I12 mapper tests; context and FHIR parser as for ADT. */
final class ReferralFixtures {

    static final Path GOLDEN_DIR = Path.of("src/test/resources/hl7v2/ref");
    static final String SOCIAL_PRESCRIBING_SERVICE_ODS = "X26SPL";

    private ReferralFixtures() {}

    /** Defaults plus: everything sent to the social prescribing service is a social prescribing referral. */
    static ReferralMappingConfig config() {
        return ReferralMappingConfig.builder()
                .receivingServiceCode(SOCIAL_PRESCRIBING_SERVICE_ODS, ReferralMappingConfig.SOCIAL_PRESCRIBING)
                .build();
    }

    static Stream<String> names() {
        try (Stream<Path> files = Files.list(GOLDEN_DIR)) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".hl7"))
                    .map(n -> n.substring(0, n.length() - ".hl7".length()))
                    .sorted()
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String golden(String name) {
        try {
            return Files.readString(GOLDEN_DIR.resolve(name + ".hl7"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Bundle map(String name) throws Hl7MappingException {
        return new ReferralMapper(config()).map(golden(name), AdtFixtures.context("bundle-" + name));
    }

    static Bundle mapText(String message) throws Hl7MappingException {
        return new ReferralMapper(config()).map(message, AdtFixtures.context("b"));
    }

    @SuppressWarnings("unchecked")
    static <T extends org.hl7.fhir.r4.model.Resource> T only(Bundle bundle, Class<T> type) {
        return (T) bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .reduce((a, b) -> {
                    throw new AssertionError("more than one " + type.getSimpleName());
                })
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName()));
    }
}
