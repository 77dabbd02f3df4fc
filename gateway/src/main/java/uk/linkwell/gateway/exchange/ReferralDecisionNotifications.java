package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The referral-decided trigger: a referral Task (focus a ServiceRequest, not one of the care process's own Tasks)
 * that becomes {@code accepted} or {@code rejected}, whatever door wrote it, records one delivery to each active
 * Endpoint of the referrer (Task.requester, else the referral's ServiceRequest.requester: an Organization, or a
 * PractitionerRole's organization), in the write's own transaction. An acceptance carries the Task and the team
 * that owns it (Task.owner); a decline carries the Task and the decline letter the referral workflow writes in the
 * same transaction (reasons and alternatives), when it writes one.
 */
@Interceptor
public class ReferralDecisionNotifications {

    private static final Logger log = LoggerFactory.getLogger(ReferralDecisionNotifications.class);

    private final ExchangeRecipients recipients;
    private final RecordsInTransaction letters;
    private final String recipientRole;

    ReferralDecisionNotifications(ExchangeRecipients recipients, RecordsInTransaction letters, String recipientRole) {
        this.recipients = recipients;
        this.letters = letters;
        this.recipientRole = recipientRole;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof Communication letter && Letters.is(letter, Letters.DECLINE_LETTER)) {
            Letters.about(letter, "Task").forEach(task -> letters.written(task, ExchangeRecipients.reference(letter)));
        }
        if (resource instanceof Task task && decided(task) && isReferral(task)) {
            tell(task);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof Task task
                && decided(task)
                && isReferral(task)
                && !(previous instanceof Task before && before.getStatus() == task.getStatus())) {
            tell(task);
        }
    }

    private static boolean decided(Task task) {
        return task.getStatus() == TaskStatus.ACCEPTED || task.getStatus() == TaskStatus.REJECTED;
    }

    /** A referral Task is about a ServiceRequest; allocation and review Tasks carry a care-task code. */
    private static boolean isReferral(Task task) {
        return "ServiceRequest".equals(task.getFocus().getReferenceElement().getResourceType())
                && task.getCode().getCoding().stream()
                        .noneMatch(c -> LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem()));
    }

    private void tell(Task task) {
        Optional<String> patient = ExchangeRecipients.patient(task.getFor());
        Optional<Reference> referrer = referrer(task);
        if (patient.isEmpty() || referrer.isEmpty()) {
            return;
        }
        String taskRef = ExchangeRecipients.reference(task);
        boolean accepted = task.getStatus() == TaskStatus.ACCEPTED;
        List<String> focus = new ArrayList<>(List.of(taskRef));
        if (accepted
                && "Organization".equals(task.getOwner().getReferenceElement().getResourceType())) {
            // The acceptance names the team: the Organization that owns the Task (not about anyone in particular).
            focus.add("Organization/" + task.getOwner().getReferenceElement().getIdPart());
        }
        List<Delivery> recorded = recipients.record(
                accepted ? Channels.REFERRAL_ACCEPTED : Channels.REFERRAL_DECLINED,
                recipients.organisation(referrer.get()),
                recipientRole,
                patient.get(),
                focus);
        if (!accepted) {
            letters.attach(Letters.names(task, task.getIdentifier()), recorded);
        }
        if (!recorded.isEmpty()) {
            log.info(
                    "Referral {} {}: {} deliveries to the referrer recorded",
                    taskRef,
                    accepted ? "accepted" : "declined",
                    recorded.size());
        }
    }

    /** Who referred: the Task's requester, else its referral's, as the referral workflow addresses its letter. */
    private Optional<Reference> referrer(Task task) {
        if (task.hasRequester() && task.getRequester().getReferenceElement().hasIdPart()) {
            return Optional.of(task.getRequester());
        }
        return recipients
                .read(
                        ServiceRequest.class,
                        "ServiceRequest/"
                                + task.getFocus().getReferenceElement().getIdPart())
                .filter(ServiceRequest::hasRequester)
                .map(ServiceRequest::getRequester);
    }
}
