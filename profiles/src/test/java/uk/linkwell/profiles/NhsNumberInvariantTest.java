package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The nhs-number-check invariant implements the Modulus 11 rule in HAPI's FHIRPath engine. */
class NhsNumberInvariantTest {

    private static final String RULE = "nhs-number-check";
    private static final String VALUE_PATH = "Patient.identifier[0].value";

    @ParameterizedTest
    @ValueSource(strings = {"9434765919", "9990000018", "9990000026", "9990000069"})
    void acceptsValidNumbers(String nhsNumber) {
        ValidationResult result = SharedValidator.validator().validate(patient(nhsNumber));

        assertThat(SharedValidator.errors(result))
                .as(SharedValidator.describe(result.getMessages()))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "9434765918", // wrong check digit
                "943476591", // nine digits
                "94347659190", // eleven digits
                "943476591X", // not all digits
                "9990000009" // weighted sum leaves check digit 10, which no number may have
            })
    void rejectsInvalidNumbersAtTheValueWithTheRuleKey(String nhsNumber) {
        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(patient(nhsNumber)));

        assertThat(errors).as(SharedValidator.describe(errors)).anySatisfy(m -> {
            assertThat(m.getLocationString()).isEqualTo(VALUE_PATH);
            assertThat(m.getMessage()).contains(RULE).contains("Modulus 11");
        });
    }

    @Test
    void operationOutcomeNamesTheElementAndTheRule() {
        OperationOutcome outcome = (OperationOutcome)
                SharedValidator.validator().validate(patient("9434765918")).toOperationOutcome();

        assertThat(outcome.getIssue()).anySatisfy(issue -> {
            assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
            assertThat(issue.getExpression()).extracting(StringType::getValue).contains(VALUE_PATH);
            assertThat(issue.getDiagnostics()).contains(RULE);
        });
    }

    /** Runs the profile's own expression over many numbers and compares it with a plain Java Mod 11. */
    @Test
    void expressionAgreesWithReferenceImplementationOverARange() throws Exception {
        var fhirPath = SharedValidator.FHIR.newFhirPath();
        var expression = fhirPath.parse(invariantExpression());
        int accepted = 0;
        for (long n = 9_990_000_000L; n < 9_990_000_400L; n++) {
            String candidate = Long.toString(n);
            boolean byFhirPath = fhirPath.evaluateFirst(new StringType(candidate), expression, BooleanType.class)
                    .map(BooleanType::booleanValue)
                    .orElse(false);
            assertThat(byFhirPath).as(candidate).isEqualTo(mod11Valid(candidate));
            accepted += byFhirPath ? 1 : 0;
        }
        // About one in eleven numbers is valid; guards against an expression that is always false.
        assertThat(accepted).isBetween(30, 45);
    }

    private static String invariantExpression() {
        StructureDefinition sd = SharedValidator.pkg().structureDefinitions().stream()
                .filter(s -> s.getUrl().equals(LinkwellProfiles.PATIENT))
                .findFirst()
                .orElseThrow();
        return sd.getDifferential().getElement().stream()
                .flatMap(e -> e.getConstraint().stream())
                .filter(c -> c.getKey().equals(RULE))
                .map(ElementDefinition.ElementDefinitionConstraintComponent::getExpression)
                .findFirst()
                .orElseThrow();
    }

    private static boolean mod11Valid(String number) {
        if (!number.matches("[0-9]{10}")) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            sum += (number.charAt(i) - '0') * (10 - i);
        }
        int check = 11 - (sum % 11);
        if (check == 11) {
            check = 0;
        }
        return check != 10 && check == number.charAt(9) - '0';
    }

    static Patient patient(String nhsNumber) {
        Patient patient = new Patient();
        patient.getMeta().addProfile(LinkwellProfiles.PATIENT);
        patient.addIdentifier().setSystem(LinkwellProfiles.NHS_NUMBER_SYSTEM).setValue(nhsNumber);
        patient.addName().setFamily("Example").addGiven("Sam");
        patient.setGender(AdministrativeGender.UNKNOWN);
        return patient;
    }
}
