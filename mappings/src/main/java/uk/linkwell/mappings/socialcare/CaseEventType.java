package uk.linkwell.mappings.socialcare;

import java.util.Optional;

/** The event types of case event format version 1, by their wire names. */
public enum CaseEventType {
    REFERRAL_RECEIVED("referral-received"),
    REFERRAL_ACCEPTED("referral-accepted"),
    REFERRAL_DECLINED("referral-declined"),
    CASE_ALLOCATED("case-allocated"),
    ASSESSMENT_COMPLETED("assessment-completed"),
    CARE_PLAN_UPDATED("care-plan-updated"),
    REVIEW_SCHEDULED("review-scheduled"),
    REVIEW_COMPLETED("review-completed"),
    CARER_IDENTIFIED("carer-identified"),
    SAFEGUARDING_ENQUIRY_OPENED("safeguarding-enquiry-opened"),
    SAFEGUARDING_ENQUIRY_CLOSED("safeguarding-enquiry-closed"),
    CASE_CLOSED("case-closed"),
    CARER_BREAKDOWN("carer-breakdown"),
    CHANGE_OF_CIRCUMSTANCES("change-of-circumstances");

    private final String wireName;

    CaseEventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<CaseEventType> of(String wireName) {
        for (CaseEventType type : values()) {
            if (type.wireName.equals(wireName)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
