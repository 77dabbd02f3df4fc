package uk.linkwell.mappings.socialcare.cld;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import uk.linkwell.profiles.LinkwellProfiles;
import uk.linkwell.profiles.LinkwellValidator;

/**
 * Every profiled resource the example file maps to passes its Linkwell profile, so the gateway may apply
 * batches with its per-write validation switched off ({@code linkwell.socialcare.batch.validate-writes}).
 */
class CldProfileConformanceTest {

    private static LinkwellValidator validator;

    @BeforeAll
    static void buildValidator() {
        validator = LinkwellValidator.create(CldFixtures.fhir());
    }

    @Test
    void everyProfiledResourceConforms() throws Exception {
        Bundle bundle = CldFixtures.map(CldFixtures.example()).bundle();
        List<String> errors = new ArrayList<>();
        int checked = 0;
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (LinkwellProfiles.defaultProfileFor(resource.fhirType()).isPresent()) {
                errors.addAll(errors(resource));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(7);
        assertThat(errors).isEmpty();
    }

    @Test
    void theValidatorHoldsTheBackfilledPatientToItsProfile() throws Exception {
        // Guards against a vacuous pass: without the (absent-reason) name the Patient breaks LinkwellPatient.
        Patient patient = (Patient) CldFixtures.map(CldFixtures.example()).bundle().getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r instanceof Patient)
                .findFirst()
                .orElseThrow()
                .copy();
        patient.getName().clear();
        assertThat(errors(patient)).isNotEmpty();
    }

    private static List<String> errors(Resource resource) {
        List<String> errors = new ArrayList<>();
        validator.validateWithDefaultProfile(resource).getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .forEach(m -> errors.add(resource.fhirType() + " " + m.getLocationString() + ": " + m.getMessage()));
        return errors;
    }
}
