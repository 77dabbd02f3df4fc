package uk.linkwell.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Local terminology validates offline, including enumerated SNOMED CT codes with no SNOMED loaded. */
class TerminologyTest {

    private static final String SNOMED = "http://snomed.info/sct";
    private static final String VS = LinkwellPackage.CANONICAL_BASE + "/ValueSet/";

    @ParameterizedTest
    @CsvSource({
        "snomed-codes, 871731000000106, true",
        "snomed-codes, 871711000000103, true",
        "snomed-codes, 999999999999999, false",
        "referral-decline-reason, 871711000000103, true",
        "referral-decline-reason, 871731000000106, false"
    })
    void enumeratedSnomedCodesValidateInMemory(String valueSet, String code, boolean expected) {
        IValidationSupport chain = SharedValidator.support().chain();

        IValidationSupport.CodeValidationResult result = chain.validateCode(
                new ValidationSupportContext(chain), new ConceptValidationOptions(), SNOMED, code, null, VS + valueSet);

        assertThat(result != null && result.isOk()).as(code + " in " + valueSet).isEqualTo(expected);
    }

    @Test
    void rejectedTaskWithSnomedDeclineReasonIsValidInARequiredBinding() {
        Task task = rejectedTask(new Coding(SNOMED, "871711000000103", "Social prescribing declined"));

        assertThat(SharedValidator.errors(SharedValidator.validator().validate(task)))
                .isEmpty();
    }

    @Test
    void rejectedTaskWithAnUnlistedSnomedCodeFailsTheRequiredBinding() {
        Task task = rejectedTask(new Coding(SNOMED, "871731000000106", "Referral to social prescribing service"));

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(task));

        assertThat(errors).as(SharedValidator.describe(errors)).anySatisfy(m -> {
            assertThat(m.getLocationString()).isEqualTo("Task.statusReason");
            assertThat(m.getMessage()).contains("referral-decline-reason");
        });
    }

    @ParameterizedTest
    @CsvSource({
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality, N",
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality, R",
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality, V",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode, PSY",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode, ETH",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode, HIV",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode, STD",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode, SDV"
    })
    void everyLinkwellSecurityLabelIsAcceptedOnAFlag(String system, String code) {
        Flag flag = flag(new Coding(system, code, null));

        List<SingleValidationMessage> errors =
                SharedValidator.errors(SharedValidator.validator().validate(flag));

        assertThat(errors).as(SharedValidator.describe(errors)).isEmpty();
    }

    @Test
    void aSecurityLabelOutsideTheLinkwellSetIsRejected() {
        Flag flag = flag(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "TBOO", null));

        assertThat(SharedValidator.errors(SharedValidator.validator().validate(flag)))
                .anySatisfy(m -> assertThat(m.getLocationString()).isEqualTo("Flag.meta.security[0]"));
    }

    private static Task rejectedTask(Coding reason) {
        Task task = new Task();
        task.getMeta().addProfile(LinkwellProfiles.TASK);
        task.setStatus(Task.TaskStatus.REJECTED).setIntent(Task.TaskIntent.ORDER);
        task.setStatusReason(new CodeableConcept(reason));
        task.addExtension(
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                new CodeableConcept().setText("Community peer support group"));
        task.setFocus(new Reference("ServiceRequest/sr-1")).setFor(new Reference("Patient/p-1"));
        task.setAuthoredOnElement(new org.hl7.fhir.r4.model.DateTimeType("2026-10-01T09:00:00Z"));
        return task;
    }

    private static Flag flag(Coding label) {
        Flag flag = new Flag();
        flag.getMeta().addProfile(LinkwellProfiles.FLAG).addSecurity(label);
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.addCategory(new CodeableConcept(
                new Coding(LinkwellPackage.CANONICAL_BASE + "/CodeSystem/flag-category", "risk-to-self", null)));
        flag.setCode(new CodeableConcept().setText("Risk of self-neglect"));
        flag.setSubject(new Reference("Patient/p-1")).setAuthor(new Reference("PractitionerRole/pr-1"));
        return flag;
    }
}
