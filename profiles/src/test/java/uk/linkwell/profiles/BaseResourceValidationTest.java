package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Resources that claim no profile: base R4 rules always apply, Linkwell defaults only when asked. */
class BaseResourceValidationTest {

    @Test
    void plainR4PatientWithoutNhsNumberIsValidAgainstBaseR4() {
        Patient patient = new Patient();
        patient.addName().setFamily("Example");

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(patient));

        assertThat(errors).as(SharedValidator.describe(errors)).isEmpty();
    }

    @Test
    void baseR4RulesStillCatchBrokenResources() {
        Observation observation = new Observation(); // status and code are 1..1 in R4
        observation.setSubject(new Reference("Patient/p-1"));

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(observation));

        assertThat(errors).anySatisfy(m -> assertThat(m.getMessage()).contains("Observation.status"));
    }

    @Test
    void defaultProfileIsAppliedToAPatientThatClaimsNone() {
        Patient patient = new Patient();
        patient.addName().setFamily("Example");

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validateWithDefaultProfile(patient));

        assertThat(errors).anySatisfy(m -> assertThat(m.getMessage()).contains("Patient.identifier:nhsNumber"));
    }

    @Test
    void typesLinkwellDoesNotProfileAreValidatedAgainstBaseOnly() {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept().setText("Wellbeing score"));

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validateWithDefaultProfile(observation));

        assertThat(LinkwellProfiles.defaultProfileFor("Observation")).isEmpty();
        assertThat(errors).as(SharedValidator.describe(errors)).isEmpty();
    }
}
