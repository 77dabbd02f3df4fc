package uk.linkwell.mappings.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.ResultSeverityEnum;
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
 * Every resource of a profiled type that an example event maps to passes its Linkwell default profile with
 * no ERROR or FATAL message, as the gateway's storage layer requires.
 */
class CaseEventProfileConformanceTest {

    private static LinkwellValidator validator;

    @BeforeAll
    static void buildValidator() {
        validator = LinkwellValidator.create(CaseEventFixtures.fhir());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uk.linkwell.mappings.socialcare.CaseEventGoldenFileTest#types")
    void everyProfiledResourceConforms(String type) throws Exception {
        Bundle bundle = CaseEventFixtures.map(CaseEventFixtures.event(type));
        List<String> errors = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (LinkwellProfiles.defaultProfileFor(resource.fhirType()).isPresent()) {
                errors.addAll(errors(resource));
            }
        }
        assertThat(errors).as(type + ": profile errors").isEmpty();
    }

    @Test
    void theExamplesProduceEveryProfiledTypeTheMapperWrites() throws Exception {
        Set<String> types = new TreeSet<>();
        for (String type : CaseEventFixtures.types().toList()) {
            CaseEventFixtures.map(CaseEventFixtures.event(type))
                    .getEntry()
                    .forEach(e -> types.add(e.getResource().fhirType()));
        }
        assertThat(types)
                .contains(
                        "EpisodeOfCare",
                        "CarePlan",
                        "Goal",
                        "ServiceRequest",
                        "Task",
                        "Flag",
                        "Communication",
                        "CareTeam",
                        "RelatedPerson");
    }

    @Test
    void theValidatorHoldsAFlagToItsProfile() throws Exception {
        // Guards against a vacuous pass: a safeguarding Flag without its author breaks LinkwellFlag. (Removing
        // meta.security does not: with no meta at all, the profile's meta.security 1..* is not checked.)
        Bundle bundle = CaseEventFixtures.map(CaseEventFixtures.event("safeguarding-enquiry-opened"));
        org.hl7.fhir.r4.model.Flag flag = (org.hl7.fhir.r4.model.Flag) bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r.fhirType().equals("Flag"))
                .findFirst()
                .orElseThrow()
                .copy();
        flag.setAuthor(null);
        assertThat(errors(flag)).isNotEmpty();
    }

    private static List<String> errors(Resource resource) {
        List<String> errors = new ArrayList<>();
        validator.validateWithDefaultProfile(resource).getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .forEach(m -> errors.add(resource.fhirType() + " " + m.getLocationString() + ": " + m.getMessage()));
        return errors;
    }
}
