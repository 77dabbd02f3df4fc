package uk.linkwell.mappings.socialcare.cld;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import uk.linkwell.mappings.GoldenFile;

/**
 * {@code cld/backfill.csv} (one row of each event type, two people, a repeated person, both date forms, an
 * ignored column) maps to {@code backfill.expected.json}; {@code -Dgolden.update=true} rewrites it.
 */
class CldGoldenFileTest {

    @Test
    void theExampleFileMapsAsTheGoldenFileSays() throws Exception {
        CldFixtures.Mapped mapped = CldFixtures.map(CldFixtures.example());
        assertThat(mapped.errors()).isEmpty();
        assertThat(mapped.goodRows()).isEqualTo(5);
        GoldenFile.assertMatches(
                CldFixtures.DIR.resolve("backfill.expected.json"), CldFixtures.json(mapped.bundle()), "backfill.csv");
    }

    @Test
    void everyEntryIsACreateIfAbsentAndEachResourceAppearsOnce() throws Exception {
        Bundle bundle = CldFixtures.map(CldFixtures.example()).bundle();
        assertThat(bundle.getEntry()).allSatisfy(e -> {
            assertThat(e.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
            assertThat(e.getRequest().getIfNoneExist())
                    .startsWith(e.getResource().fhirType() + "?identifier=");
            assertThat(e.getFullUrl()).startsWith("urn:uuid:");
        });
        assertThat(bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getFullUrl))
                .doesNotHaveDuplicates();
        // Two people, one council, five events.
        assertThat(bundle.getEntry().stream().map(e -> e.getResource().fhirType()))
                .containsExactlyInAnyOrder(
                        "Patient",
                        "Organization",
                        "ServiceRequest",
                        "Task",
                        "ServiceRequest",
                        "Task",
                        "Patient",
                        "ServiceRequest");
    }
}
