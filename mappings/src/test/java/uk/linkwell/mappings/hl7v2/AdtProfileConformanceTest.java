package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.profiles.LinkwellProfiles;
import uk.linkwell.profiles.LinkwellValidator;

/**
 * The gateway refuses to store a resource of a profiled type that breaks its Linkwell default profile
 * (HTTP 422, message failed), so every resource the ADT mapper writes for the golden inputs is validated
 * here exactly as the gateway's storage layer does: {@code validateWithDefaultProfile}, only ERROR and
 * FATAL messages count.
 */
class AdtProfileConformanceTest {

    // Snapshot generation takes about ten seconds: one validator for the whole class.
    private static LinkwellValidator validator;

    @BeforeAll
    static void buildValidator() {
        validator = LinkwellValidator.create(AdtFixtures.fhir());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("uk.linkwell.mappings.hl7v2.AdtGoldenFileTest#messages")
    void everyProfiledResourceConforms(String name) throws Exception {
        Bundle bundle = AdtFixtures.map(name);
        assertThat(bundle.getEntry()).isNotEmpty();
        List<String> errors = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (LinkwellProfiles.defaultProfileFor(resource.fhirType()).isEmpty()) {
                continue;
            }
            errors.addAll(errors(resource));
        }
        assertThat(errors).as(name + ": profile errors").isEmpty();
    }

    /** Variants of the golden inputs that take the mapper's other paths to a profiled resource. */
    static Stream<Arguments> variants() {
        AdtMappingConfig withDefault = AdtMappingConfig.builder()
                .careTeam(AdtFixtures.CARE_TEAM_ODS, null)
                .defaultDischargePathway(DischargePathway.PATHWAY_2)
                .build();
        return Stream.of(
                Arguments.of(
                        "A01 without admit time",
                        AdtFixtures.config(),
                        MessageText.of("adt-a01-v251-admit")
                                .field("PV1", 44, "")
                                .text()),
                Arguments.of(
                        "A01 admit source from table 0023",
                        AdtFixtures.config(),
                        MessageText.of("adt-a01-v251-admit")
                                .field("PV1", 14, "7")
                                .text()),
                Arguments.of(
                        "A01 admit source as text",
                        AdtFixtures.config(),
                        MessageText.of("adt-a01-v251-admit")
                                .field("PV1", 14, "GP REFERRAL")
                                .text()),
                Arguments.of(
                        "A03 without pathway, default configured",
                        withDefault,
                        MessageText.of("adt-a03-v23-pathway0").without("ZDS").text()),
                Arguments.of(
                        "A03 without pathway, no default",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v251-pathway1").without("ZDS").text()),
                Arguments.of(
                        "A08 finishing the encounter without pathway",
                        AdtFixtures.config(),
                        MessageText.of("adt-a08-v231-update")
                                .field("PV1", 45, "20261124143000")
                                .text()),
                Arguments.of(
                        "A03 admitted to the minute, discharged to the second in that minute",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v24-minute-discharge")
                                .field("PV1", 44, "201302111000")
                                .field("PV1", 45, "20130211100052")
                                .text()),
                Arguments.of(
                        "A03 admitted to the second, discharged to the day",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v24-minute-discharge")
                                .field("PV1", 45, "20130211")
                                .text()),
                Arguments.of(
                        "A03 admitted to the second, discharged to a later day",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v24-minute-discharge")
                                .field("PV1", 45, "20130212")
                                .text()),
                Arguments.of(
                        "A03 discharged to the minute without PV1-45 (EVN-2)",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v24-minute-discharge")
                                .field("PV1", 45, "")
                                .field("EVN", 2, "201302111000")
                                .text()),
                Arguments.of(
                        "A03 without discharge time",
                        AdtFixtures.config(),
                        MessageText.of("adt-a03-v251-pathway1")
                                .field("PV1", 45, "")
                                .text()),
                Arguments.of(
                        "A08 after discharge",
                        AdtFixtures.config(),
                        MessageText.of("adt-a08-v231-update")
                                .field("PV1", 45, "20261124143000")
                                .append("ZDS|2")
                                .text()),
                Arguments.of(
                        "A40 without prior name",
                        AdtFixtures.config(),
                        MessageText.of("adt-a40-v25-merge-nhs-number")
                                .field("MRG", 7, "")
                                .text()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void variantsConformToo(String what, AdtMappingConfig config, String message) throws Exception {
        Bundle bundle = new AdtMapper(config).map(message, AdtFixtures.context("b"));
        List<String> errors = new ArrayList<>();
        bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> LinkwellProfiles.defaultProfileFor(r.fhirType()).isPresent())
                .forEach(r -> errors.addAll(errors(r)));
        assertThat(errors).as(what).isEmpty();
    }

    @Test
    void aPatientWithoutNhsNumberIsOnlyMappedWhenAllowedAndTheGatewayWouldStillRefuseIt() throws Exception {
        // Documents allowPatientsWithoutNhsNumber: the mapper lets it through, the profile does not.
        AdtMapper allowing = new AdtMapper(AdtMappingConfig.builder()
                .careTeam(AdtFixtures.CARE_TEAM_ODS, null)
                .allowPatientsWithoutNhsNumber(true)
                .build());
        Bundle bundle = allowing.map(AdtFixtures.rejected("adt-a01-v23-no-nhs-number"), AdtFixtures.context("b"));
        Resource patient = bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r.fhirType().equals("Patient"))
                .findFirst()
                .orElseThrow();
        assertThat(errors(patient)).anySatisfy(e -> assertThat(e).contains("nhsNumber"));
    }

    @Test
    void anEmbeddedDocumentsDocumentReferenceAndBinaryConformToTheBaseSpecification() throws Exception {
        // Not Linkwell-profiled (the gateway does not validate them), but they must still be valid R4.
        Bundle bundle = AdtFixtures.map("adt-a03-v251-discharge-letter");
        List<String> errors = new ArrayList<>();
        int checked = 0;
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            if (resource.fhirType().equals("DocumentReference")
                    || resource.fhirType().equals("Binary")) {
                checked++;
                String base = "http://hl7.org/fhir/StructureDefinition/" + resource.fhirType();
                for (SingleValidationMessage m :
                        validator.validate(resource, base).getMessages()) {
                    if (m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL) {
                        errors.add(resource.fhirType() + " " + m.getLocationString() + ": " + m.getMessage());
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(2);
        assertThat(errors).isEmpty();
    }

    @Test
    void theGoldenInputsProduceEveryProfiledTypeTheMapperWrites() throws Exception {
        // Guards the test above against passing vacuously: these are the profiled types ADT produces.
        java.util.Set<String> types = new java.util.TreeSet<>();
        for (String name : AdtGoldenFileTest.messages().toList()) {
            AdtFixtures.map(name)
                    .getEntry()
                    .forEach(e -> types.add(e.getResource().fhirType()));
        }
        assertThat(types).contains("Patient", "Encounter", "ServiceRequest");
    }

    @Test
    void theValidatorRejectsAPatientWithoutAnNhsNumber() {
        // The check above is only worth something if the validator really holds resources to the profile.
        org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
        patient.addIdentifier()
                .setSystem(LinkwellSystems.HOSPITAL_NUMBER + "RWELL")
                .setValue("H1");
        patient.addName().setFamily("EXAMPLE");
        assertThat(errors(patient)).isNotEmpty();
    }

    static List<String> errors(Resource resource) {
        List<String> errors = new ArrayList<>();
        for (SingleValidationMessage m :
                validator.validateWithDefaultProfile(resource).getMessages()) {
            if (m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL) {
                errors.add(resource.fhirType() + " " + m.getLocationString() + ": " + m.getMessage());
            }
        }
        return errors;
    }
}
