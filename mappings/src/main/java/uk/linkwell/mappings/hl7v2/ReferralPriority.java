package uk.linkwell.mappings.hl7v2;

import java.util.Locale;
import java.util.Optional;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;

/**
 * RF1-2 (HL7 table 0280) as the two priorities a Linkwell referral knows: S (stat) and A (as soon as
 * possible) mean the crisis appears acute, so urgent (assessment the same day); R or empty is routine.
 */
enum ReferralPriority {
    ROUTINE(ServiceRequest.ServiceRequestPriority.ROUTINE, Task.TaskPriority.ROUTINE),
    URGENT(ServiceRequest.ServiceRequestPriority.URGENT, Task.TaskPriority.URGENT);

    final ServiceRequest.ServiceRequestPriority request;
    final Task.TaskPriority task;

    ReferralPriority(ServiceRequest.ServiceRequestPriority request, Task.TaskPriority task) {
        this.request = request;
        this.task = task;
    }

    /** Empty for a value outside table 0280, which the mapper rejects rather than guesses. */
    static Optional<ReferralPriority> ofRf1(String value) {
        return switch (value.trim().toUpperCase(Locale.ROOT)) {
            case "", "R" -> Optional.of(ROUTINE);
            case "S", "A" -> Optional.of(URGENT);
            default -> Optional.empty();
        };
    }
}
