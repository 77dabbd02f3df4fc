package uk.linkwell.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;

/** One validator for all tests, because generating snapshots and loading R4 core takes seconds. */
final class SharedValidator {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    private static LinkwellPackage pkg;
    private static LinkwellValidationSupport support;
    private static LinkwellValidator validator;

    private SharedValidator() {}

    static synchronized LinkwellPackage pkg() {
        if (pkg == null) {
            pkg = LinkwellPackage.load(FHIR);
        }
        return pkg;
    }

    static synchronized LinkwellValidationSupport support() {
        if (support == null) {
            support = LinkwellValidationSupport.create(FHIR, pkg());
        }
        return support;
    }

    static synchronized LinkwellValidator validator() {
        if (validator == null) {
            validator = new LinkwellValidator(FHIR, support().chain());
        }
        return validator;
    }

    static List<SingleValidationMessage> errors(ValidationResult result) {
        return result.getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .toList();
    }

    static String describe(List<SingleValidationMessage> messages) {
        StringBuilder sb = new StringBuilder();
        for (SingleValidationMessage m : messages) {
            sb.append("\n  ")
                    .append(m.getSeverity())
                    .append(" @ ")
                    .append(m.getLocationString())
                    .append(" [")
                    .append(m.getMessageId())
                    .append("] ")
                    .append(m.getMessage());
        }
        return sb.toString();
    }
}
