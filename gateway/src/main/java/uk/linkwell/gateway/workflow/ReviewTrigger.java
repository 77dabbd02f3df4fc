package uk.linkwell.gateway.workflow;

import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.profiles.LinkwellProfiles;

/** Why a review is due, as its Task.reasonCode (CodeSystem review-trigger); one review of each kind is open at a time. */
enum ReviewTrigger {
    SCHEDULED("scheduled", "Scheduled review"),
    HOSPITAL_ADMISSION("hospital-admission", "Hospital admission"),
    SAFEGUARDING_ENQUIRY("safeguarding-enquiry", "Safeguarding enquiry"),
    CARER_BREAKDOWN("carer-breakdown", "Carer breakdown"),
    CHANGE_OF_CIRCUMSTANCES("change-of-circumstances", "Change of circumstances");

    private final String code;
    private final String display;

    ReviewTrigger(String code, String display) {
        this.code = code;
        this.display = display;
    }

    String code() {
        return code;
    }

    CodeableConcept concept() {
        return new CodeableConcept(new Coding(LinkwellProfiles.REVIEW_TRIGGER_SYSTEM, code, display));
    }

    /** The trigger a review Task records, if any. */
    static Optional<ReviewTrigger> of(Task review) {
        for (Coding coding : review.getReasonCode().getCoding()) {
            if (LinkwellProfiles.REVIEW_TRIGGER_SYSTEM.equals(coding.getSystem())) {
                for (ReviewTrigger trigger : values()) {
                    if (trigger.code.equals(coding.getCode())) {
                        return Optional.of(trigger);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
