package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.MappingNotes;
import uk.linkwell.mappings.hl7v2.AdtMapper;

/** {@code linkwell.hospital.discharge.default-pathway} decides the follow-up of a discharge that states no pathway. */
class HospitalConfigTest {

    private static Bundle mapDischargeWithoutPathway(String defaultPathway) throws Exception {
        HospitalProperties properties = new HospitalProperties(
                new HospitalProperties.Discharge(null, null, null, null, null, null, defaultPathway),
                null,
                null,
                null,
                null);
        AdtMapper mapper = new AdtMapper(HospitalConfig.mappingConfig(properties));
        return mapper.map(
                AdtMessages.dischargeWithoutPathway(Visit.fresh(), AdtMessages.controlId()),
                new MappingContext("b", Instant.parse("2026-11-26T09:00:00Z")));
    }

    private static <T> java.util.List<T> resources(Bundle bundle, Class<T> type) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    @Test
    void withoutADefaultPathwayTheDischargeIsAppliedWithoutFollowUp() throws Exception {
        // application.yaml's default is the empty string.
        Bundle bundle = mapDischargeWithoutPathway("");
        Encounter encounter = resources(bundle, Encounter.class).get(0);
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getHospitalization().hasDischargeDisposition()).isFalse();
        assertThat(resources(bundle, ServiceRequest.class)).isEmpty();
        assertThat(MappingNotes.of(bundle))
                .extracting(Coding::getDisplay)
                .containsExactly("discharge without a discharge-to-assess pathway (ZDS-1): no follow-up");
    }

    @Test
    void aConfiguredDefaultPathwayAppliesWithItsFollowUp() throws Exception {
        Bundle bundle = mapDischargeWithoutPathway("2");
        Encounter encounter = resources(bundle, Encounter.class).get(0);
        assertThat(encounter
                        .getHospitalization()
                        .getDischargeDisposition()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("pathway-2");
        assertThat(resources(bundle, ServiceRequest.class)).singleElement().satisfies(r -> assertThat(
                        r.getOrderDetailFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("pathway-2"));
        assertThat(MappingNotes.of(bundle))
                .extracting(Coding::getDisplay)
                .containsExactly("discharge without a discharge-to-assess pathway (ZDS-1): default pathway 2 applied");
    }
}
