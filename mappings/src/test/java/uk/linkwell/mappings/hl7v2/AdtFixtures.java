package uk.linkwell.mappings.hl7v2;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.mappings.MappingContext;

/** Shared configuration, context and files for the ADT mapper tests. */
final class AdtFixtures {

    static final Path GOLDEN_DIR = Path.of("src/test/resources/hl7v2/adt");
    /** Inputs the default configuration rejects (no golden Bundle), e.g. a PID without an NHS number. */
    static final Path REJECTED_DIR = Path.of("src/test/resources/hl7v2/adt-rejected");

    static final Instant RECEIVED_AT = Instant.parse("2026-11-26T09:00:00Z");
    static final String CARE_TEAM_ODS = "X26CMT";

    private static FhirContext fhir;

    private AdtFixtures() {}

    static AdtMappingConfig config() {
        return AdtMappingConfig.builder()
                .careTeam(CARE_TEAM_ODS, "Adult Care Management Team 2")
                .build();
    }

    static MappingContext context(String bundleId) {
        return new MappingContext(bundleId, RECEIVED_AT);
    }

    /** FhirContext is expensive to build, so all tests share one. */
    static synchronized FhirContext fhir() {
        if (fhir == null) {
            fhir = FhirContext.forR4();
        }
        return fhir;
    }

    static String json(Bundle bundle) {
        return fhir().newJsonParser().setPrettyPrint(true).encodeResourceToString(bundle);
    }

    static String golden(String name) {
        try {
            return Files.readString(GOLDEN_DIR.resolve(name + ".hl7"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rejected(String name) {
        try {
            return Files.readString(REJECTED_DIR.resolve(name + ".hl7"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Bundle map(String name) throws Hl7MappingException {
        return new AdtMapper(config()).map(golden(name), context("bundle-" + name));
    }
}
