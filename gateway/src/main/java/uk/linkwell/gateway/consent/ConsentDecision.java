package uk.linkwell.gateway.consent;

import java.util.List;

/**
 * The consent engine's answer for one resource and one requester.
 *
 * @param basis      what it rests on: {@code Consent/<id>#<provision path>} or a rule code
 *                   ({@code author-organisation}, {@code direct-care}, {@code safeguarding-s42}, {@code break-glass},
 *                   {@code minimum-necessary}, {@code not-patient-data}, {@code default-deny})
 * @param redactions top-level element names to remove before the resource leaves (permit-redacted only)
 */
public record ConsentDecision(Outcome outcome, String basis, List<String> redactions, boolean breakGlass) {

    /** Permit, deny, or permit with some elements removed. */
    public enum Outcome {
        PERMIT("permit"),
        PERMIT_REDACTED("permit-redacted"),
        DENY("deny");

        private final String code;

        Outcome(String code) {
            this.code = code;
        }

        /** As written in the audit trail and the metrics tag. */
        public String code() {
            return code;
        }
    }

    public ConsentDecision {
        redactions = List.copyOf(redactions);
    }

    public static ConsentDecision permit(String basis) {
        return new ConsentDecision(Outcome.PERMIT, basis, List.of(), false);
    }

    public static ConsentDecision deny(String basis) {
        return new ConsentDecision(Outcome.DENY, basis, List.of(), false);
    }

    public boolean permitted() {
        return outcome != Outcome.DENY;
    }
}
