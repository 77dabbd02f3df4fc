package uk.linkwell.mappings.socialcare;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.mappings.MappingContext;

/** The example events (one per type, also the format's documentation), the mapper and a shared FhirContext. */
final class CaseEventFixtures {

    static final Path EVENTS_DIR = Path.of("src/test/resources/socialcare/events");
    static final Instant RECEIVED_AT = Instant.parse("2026-11-26T09:00:00Z");
    static final CaseEventMapper MAPPER = new CaseEventMapper();
    private static FhirContext fhir;

    private CaseEventFixtures() {}

    static synchronized FhirContext fhir() {
        if (fhir == null) {
            fhir = FhirContext.forR4();
        }
        return fhir;
    }

    static Stream<String> types() {
        try (Stream<Path> files = Files.list(EVENTS_DIR)) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.endsWith(".expected.json"))
                    .map(n -> n.substring(0, n.length() - ".json".length()))
                    .sorted()
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String event(String type) {
        try {
            return Files.readString(EVENTS_DIR.resolve(type + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Bundle map(String json) throws CaseEventException {
        return MAPPER.map(json, new MappingContext("bundle", RECEIVED_AT));
    }

    static String json(org.hl7.fhir.instance.model.api.IBaseResource resource) {
        return fhir().newJsonParser().setPrettyPrint(true).encodeResourceToString(resource);
    }
}
