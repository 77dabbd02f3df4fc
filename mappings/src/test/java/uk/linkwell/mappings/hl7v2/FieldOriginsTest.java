package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldOriginsTest {

    @Test
    void theLongestKnownPathDecides() {
        assertThat(FieldOrigins.adt("Encounter.period.end")).contains("PV1-45");
        assertThat(FieldOrigins.adt("Encounter.period")).contains("PV1-44/PV1-45");
        assertThat(FieldOrigins.adt("Encounter.status")).contains("PV1");
        assertThat(FieldOrigins.adt("Patient.identifier[0].value")).contains("PID-3");
    }

    @Test
    void validatorPathsAreReadWithoutIndexesOrTypeFilters() {
        assertThat(FieldOrigins.adt("Bundle.entry[1].resource.period[0].start")).isEmpty();
        assertThat(FieldOrigins.adt("Observation.value.ofType(Quantity).value")).contains("OBX-5");
        assertThat(FieldOrigins.referral("ServiceRequest.performer[0]"))
                .contains("PRD-7 of the referred-to provider (RT)");
    }

    @Test
    void unknownOrEmptyElementsHaveNoOrigin() {
        assertThat(FieldOrigins.adt("Flag.code")).isEmpty();
        assertThat(FieldOrigins.adt("")).isEmpty();
        assertThat(FieldOrigins.referral(null)).isEmpty();
    }
}
