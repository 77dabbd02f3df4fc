package uk.linkwell.mappings.socialcare.cld;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.socialcare.CaseEventMapper;

/**
 * A backfilled Request, Assessment or Review and the live case event for the same thing write a resource
 * of the same type with the same identifier (and the same fullUrl), so they converge on one resource.
 */
class CldConvergenceTest {

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
      referral-received    | LAP-000123,9990010005,,,Request,CASE-2026-0042,,2026-11-02,,,,,,,,,
      assessment-completed | LAP-000123,9990010005,,,Assessment,ASMT-9001,CASE-2026-0042,2026-11-04,2026-11-05,,,,Yes,,,,
      review-completed     | LAP-000123,9990010005,,,Review,REV-2027-U1,CASE-2026-0042,2027-11-01,2027-11-02,,,,,,,,Planned
      """)
    void backfilledAndLiveMeetOnOneIdentity(String liveEvent, String row) throws Exception {
        String json = Files.readString(Path.of("src/test/resources/socialcare/events", liveEvent + ".json"));
        Bundle live = new CaseEventMapper().map(json, new MappingContext("b", Instant.parse("2026-11-26T09:00:00Z")));
        Bundle backfilled = CldFixtures.map(CldFixtures.file(row)).bundle();
        Set<String> liveIds = identities(live);
        Set<String> cldIds = identities(backfilled);
        Set<String> common = cldIds.stream().filter(liveIds::contains).collect(Collectors.toSet());
        assertThat(common).as("the event's own resource").anyMatch(id -> id.contains("/Id/socialcare/"));
        assertThat(fullUrls(live))
                .containsAll(fullUrls(backfilled).stream()
                        .filter(u -> backfilled.getEntry().stream()
                                .anyMatch(e -> e.getFullUrl().equals(u)
                                        && e.getResource().fhirType().matches("Task|ServiceRequest")))
                        .collect(Collectors.toSet()));
    }

    private static Set<String> identities(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .flatMap(r -> identifiers(r).stream().map(i -> r.fhirType() + "|" + i.getSystem() + "|" + i.getValue()))
                .collect(Collectors.toSet());
    }

    private static java.util.List<Identifier> identifiers(Resource r) {
        if (r instanceof org.hl7.fhir.r4.model.Task t) {
            return t.getIdentifier();
        }
        if (r instanceof org.hl7.fhir.r4.model.ServiceRequest s) {
            return s.getIdentifier();
        }
        return java.util.List.of();
    }

    private static Set<String> fullUrls(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getFullUrl)
                .collect(Collectors.toSet());
    }
}
