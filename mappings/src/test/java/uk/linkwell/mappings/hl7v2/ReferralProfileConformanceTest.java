package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.profiles.LinkwellProfiles;
import uk.linkwell.profiles.LinkwellValidator;

/**
 * Every resource of a profiled type that the referral mapper writes for the golden inputs passes its
 * Linkwell default profile with no ERROR or FATAL message, as the gateway's storage layer requires.
 */
class ReferralProfileConformanceTest {

    private static LinkwellValidator validator;

    @BeforeAll
    static void buildValidator() {
        validator = LinkwellValidator.create(AdtFixtures.fhir());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uk.linkwell.mappings.hl7v2.ReferralGoldenFileTest#messages")
    void everyProfiledResourceConforms(String name) throws Exception {
        Bundle bundle = ReferralFixtures.map(name);
        List<String> errors = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (LinkwellProfiles.defaultProfileFor(resource.fhirType()).isPresent()) {
                errors.addAll(errors(resource));
            }
        }
        assertThat(errors).as(name + ": profile errors").isEmpty();
    }

    @Test
    void theGoldenInputsProduceEveryProfiledTypeTheMapperWrites() {
        Set<String> types = new TreeSet<>();
        ReferralFixtures.names().forEach(name -> {
            try {
                ReferralFixtures.map(name)
                        .getEntry()
                        .forEach(e -> types.add(e.getResource().fhirType()));
            } catch (Hl7MappingException e) {
                throw new AssertionError(e.getMessage());
            }
        });
        assertThat(types).contains("Patient", "ServiceRequest", "Task");
    }

    @Test
    void theValidatorHoldsATaskToItsProfile() throws Exception {
        // Guards against a vacuous pass: a Task without its focus breaks LinkwellTask.
        Bundle bundle = ReferralFixtures.map("ref-i12-v251-social-prescribing");
        org.hl7.fhir.r4.model.Task task =
                ReferralFixtures.only(bundle, org.hl7.fhir.r4.model.Task.class).copy();
        task.setFocus(null);
        assertThat(errors(task)).isNotEmpty();
    }

    private static List<String> errors(Resource resource) {
        List<String> errors = new ArrayList<>();
        validator.validateWithDefaultProfile(resource).getMessages().stream()
                .filter(m -> m.getSeverity() == ca.uhn.fhir.validation.ResultSeverityEnum.ERROR
                        || m.getSeverity() == ca.uhn.fhir.validation.ResultSeverityEnum.FATAL)
                .forEach(m -> errors.add(resource.fhirType() + " " + m.getLocationString() + ": " + m.getMessage()));
        return errors;
    }
}
