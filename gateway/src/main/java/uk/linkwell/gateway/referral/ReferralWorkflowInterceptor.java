package uk.linkwell.gateway.referral;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The referral workflow on the FHIR REST API: a new referral Task gets its due date from the
 * {@link ReferralClock}; status changes follow {@link ReferralTransitions} (409 otherwise); an acceptance opens
 * the case, a decline needs coded reasons and alternatives (422 otherwise) and writes the letter to the referrer;
 * an appeal is a new Task {@code basedOn} a declined one.
 *
 * <p>A referral Task is a Task whose {@code focus} is a ServiceRequest, which LinkwellTask requires of every
 * Task. Only requests through the REST API (anything but {@code SystemRequestDetails}) are held to the workflow: the inbound
 * routes write as the gateway ({@code SystemRequestDetails}) on behalf of systems that are the authority for
 * their own events, in whatever order they arrive (a case system's acceptance may land before its referral), and
 * their mappers set their own due dates by the same rule. Admin clients (data correction, back-loading) are not
 * held to it either: their Tasks are stored as given, and only get a due date when they give none.
 */
@Interceptor
public class ReferralWorkflowInterceptor {

    private static final Logger log = LoggerFactory.getLogger(ReferralWorkflowInterceptor.class);
    /** Before profile validation (order 0), so a workflow refusal says what the workflow needs. */
    static final int ORDER = -50;

    private final ReferralClock clock;
    private final ReferralRecords records;
    private final ReferralDecisions decisions;

    ReferralWorkflowInterceptor(ReferralClock clock, ReferralRecords records, ReferralDecisions decisions) {
        this.clock = clock;
        this.records = records;
        this.decisions = decisions;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, RequestDetails request) {
        if (!(resource instanceof Task task) || !isRest(request) || !isReferralTask(task, request)) {
            return;
        }
        if (isAdmin(request)
                && (task.getStatus() != TaskStatus.REQUESTED
                        || task.getRestriction().getPeriod().hasEnd())) {
            // Back-loading a referral decided or dated before it reached the gateway: an admin's record, as given.
            return;
        }
        if (task.getStatus() != TaskStatus.REQUESTED) {
            throw ReferralOutcome.unprocessable(
                    "A new referral Task starts as 'requested', not '"
                            + ReferralTransitions.code(task.getStatus())
                            + "': the receiving team accepts or declines it "
                            + "by updating it",
                    "Task.status");
        }
        Optional<Reference> appealed = appealedDecision(task, request);
        if (appealed.isPresent()) {
            checkAppeal(task, appealed.get());
        }
        Optional<ServiceRequest> referral = records.serviceRequest(task.getFocus(), request);
        List<String> priorities = new ArrayList<>();
        priorities.add(task.hasPriority() ? task.getPriority().toCode() : null);
        referral.filter(ServiceRequest::hasPriority)
                .ifPresent(r -> priorities.add(r.getPriority().toCode()));
        // The due date is the service's measure, so the gateway sets it whatever the sender put there; only an
        // admin client may give one explicitly (back-loading referrals received before the gateway).
        if (task.getRestriction().getPeriod().hasEnd() && isAdmin(request)) {
            return;
        }
        task.getRestriction()
                .setPeriod(new Period().setEndElement(ReferralClock.asFhir(clock.dueDate(clock.isUrgent(priorities)))));
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (!(resource instanceof Task task)
                || !(previous instanceof Task before)
                || !isRest(request)
                || isAdmin(request)
                || !(isReferralTask(before, request) || isReferralTask(task, request))) {
            return;
        }
        TaskStatus from = before.getStatus();
        TaskStatus to = task.getStatus();
        IdType id = before.getIdElement().toUnqualifiedVersionless();
        if (!ReferralTransitions.isKnown(to)) {
            throw ReferralOutcome.unprocessable(
                    "'" + ReferralTransitions.code(to) + "' is not a state of a referral "
                            + "Task (requested, accepted, rejected, in-progress, completed, cancelled)",
                    "Task.status");
        }
        if (!ReferralTransitions.isAllowed(from, to)) {
            String appeal = from == TaskStatus.REJECTED
                    ? "; to appeal, create a new Task in 'requested' with basedOn " + id.getValue()
                    : "";
            throw ReferralOutcome.conflict(
                    "Referral " + id.getValue() + " cannot go from '"
                            + ReferralTransitions.code(from) + "' to '" + ReferralTransitions.code(to)
                            + "': allowed from '" + ReferralTransitions.code(from) + "': "
                            + ReferralTransitions.describeAllowed(from) + appeal,
                    "Task.status");
        }
        // The due date is the gateway's; an update (which may omit it) keeps the one set on receipt.
        if (before.getRestriction().getPeriod().hasEnd()) {
            task.getRestriction()
                    .getPeriod()
                    .setEndElement(
                            before.getRestriction().getPeriod().getEndElement().copy());
        }
        // So is the referrer: the decision and its letter go to whoever referred, not to whom an update names.
        if (before.hasRequester()) {
            task.setRequester(before.getRequester().copy());
        }
        if (from == to) {
            return;
        }
        Date now = Date.from(clock.now());
        if (to == TaskStatus.COMPLETED) {
            // When the assessment was done, by the gateway's clock (not the client's word): the referral measure
            // compares it with the due date.
            task.getExecutionPeriod().setEnd(now);
        }
        if (to == TaskStatus.ACCEPTED) {
            requireOwnerOrganisation(task, request, "accepted");
            decisions.openCase(id, task, records.serviceRequest(task.getFocus(), request), now);
            log.info("Referral {} accepted; case opened", id.getValue());
        } else if (to == TaskStatus.REJECTED) {
            checkDecline(task);
            requireOwnerOrganisation(task, request, "declined");
            Reference referrer = task.hasRequester()
                    ? task.getRequester()
                    : records.serviceRequest(task.getFocus(), request)
                            .filter(ServiceRequest::hasRequester)
                            .map(ServiceRequest::getRequester)
                            .orElseThrow(() -> ReferralOutcome.unprocessable(
                                    "A declined referral's letter goes to the referrer: Task.requester (or the "
                                            + "referral's ServiceRequest.requester) is needed",
                                    "Task.requester"));
            decisions.writeDeclineLetter(id, task, referrer, now);
            log.info("Referral {} declined; letter to the referrer written", id.getValue());
        }
    }

    private static boolean isAdmin(RequestDetails request) {
        return FhirRequesters.of(request)
                .map(Requester::role)
                .filter(ClientRole.ADMIN::equals)
                .isPresent();
    }

    /** Anything but the gateway's own writes ({@code SystemRequestDetails}): REST requests and their sub-requests. */
    private static boolean isRest(RequestDetails request) {
        return request != null && !(request instanceof ca.uhn.fhir.rest.api.server.SystemRequestDetails);
    }

    /**
     * A Task whose focus is a ServiceRequest: LinkwellTask, the referral's workflow at the receiving service. A
     * care-process Task (code from care-task: allocation, review) is not one, whatever its focus.
     */
    private static boolean isReferralTask(Task task, RequestDetails request) {
        if (!task.hasFocus()
                || task.getCode().getCoding().stream()
                        .anyMatch(c -> LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem()))) {
            return false;
        }
        String focus = task.getFocus().getReference();
        if (focus != null
                && focus.startsWith("urn:")
                && ReferralRecords.typeOf(task.getFocus(), request).isEmpty()) {
            // A transaction entry not found by its fullUrl: LinkwellTask requires the focus to be a ServiceRequest.
            return true;
        }
        return ReferralRecords.typeOf(task.getFocus(), request)
                .filter("ServiceRequest"::equals)
                .isPresent();
    }

    private static Optional<Reference> appealedDecision(Task task, RequestDetails request) {
        return task.getBasedOn().stream()
                .filter(r -> ReferralRecords.typeOf(r, request)
                        .filter("Task"::equals)
                        .isPresent())
                .findFirst();
    }

    /** An appeal refers to a declined referral Task that has no other appeal under way. */
    private void checkAppeal(Task appeal, Reference decisionReference) {
        String value = decisionReference.getReference();
        IdType decisionId = value == null ? null : new IdType(value).toUnqualifiedVersionless();
        if (decisionId == null
                || !decisionId.hasIdPart()
                || decisionId.getValue().contains("?")) {
            throw ReferralOutcome.unprocessable(
                    "An appeal refers to the declined Task by id (Task.basedOn: Task/<id>)", "Task.basedOn");
        }
        Task decision = records.read(decisionId, Task.class)
                .orElseThrow(() -> ReferralOutcome.unprocessable(
                        "The appealed decision " + decisionId.getValue() + " does not exist", "Task.basedOn"));
        if (decision.getStatus() != TaskStatus.REJECTED) {
            throw ReferralOutcome.conflict(
                    "Only a declined referral can be appealed: " + decisionId.getValue() + " is '"
                            + ReferralTransitions.code(decision.getStatus()) + "', not 'rejected'",
                    "Task.basedOn");
        }
        String focus = appeal.getFocus().getReference();
        String decidedFocus = decision.getFocus().getReference();
        if (focus != null
                && decidedFocus != null
                && !focus.startsWith("urn:")
                && !focus.contains("?")
                && !new IdType(focus)
                        .toUnqualifiedVersionless()
                        .getValue()
                        .equals(new IdType(decidedFocus)
                                .toUnqualifiedVersionless()
                                .getValue())) {
            throw ReferralOutcome.unprocessable(
                    "An appeal is about the same referral as the decision: Task.focus " + "must be "
                            + new IdType(decidedFocus)
                                    .toUnqualifiedVersionless()
                                    .getValue(),
                    "Task.focus");
        }
        records.appealsOf(decisionId).stream()
                .filter(t -> t.getStatus() == TaskStatus.REQUESTED
                        || t.getStatus() == TaskStatus.ACCEPTED
                        || t.getStatus() == TaskStatus.INPROGRESS)
                .findFirst()
                .ifPresent(open -> {
                    throw ReferralOutcome.conflict(
                            decisionId.getValue() + " is already under appeal ("
                                    + open.getIdElement()
                                            .toUnqualifiedVersionless()
                                            .getValue() + ", '"
                                    + ReferralTransitions.code(open.getStatus()) + "')",
                            "Task.basedOn");
                });
    }

    /** A decline gives its reasons (coded) and the services that may help instead. */
    private static void checkDecline(Task task) {
        boolean coded =
                task.getStatusReason().getCoding().stream().anyMatch(ReferralWorkflowInterceptor::isDeclineReason);
        if (!coded) {
            throw ReferralOutcome.unprocessable(
                    "A declined referral needs Task.statusReason coded from the ValueSet "
                            + "https://fhir.linkwell.example/ValueSet/referral-decline-reason (system "
                            + ReferralDecisions.DECLINE_REASONS + ", e.g. outside-criteria, needs-met-elsewhere, "
                            + "no-consent)",
                    "Task.statusReason");
        }
        boolean alternative = task.getExtensionsByUrl(LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION).stream()
                .anyMatch(Extension::hasValue);
        if (!alternative) {
            throw ReferralOutcome.unprocessable(
                    "A declined referral needs at least one recommended alternative "
                            + "service: extension " + LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION
                            + " (valueCodeableConcept or valueReference) on the Task",
                    "Task.extension:recommendedAlternative");
        }
    }

    private static boolean isDeclineReason(Coding coding) {
        return coding.hasCode()
                && (ReferralDecisions.DECLINE_REASONS.equals(coding.getSystem())
                        || (ReferralDecisions.SNOMED.equals(coding.getSystem())
                                && "871711000000103".equals(coding.getCode())));
    }

    /** The case is managed by, and the letter comes from, the team that owns the Task. */
    private static void requireOwnerOrganisation(Task task, RequestDetails request, String decision) {
        if (!task.hasOwner()
                || !ReferralRecords.typeOf(task.getOwner(), request)
                        .filter("Organization"::equals)
                        .isPresent()) {
            throw ReferralOutcome.unprocessable(
                    "A referral can only be " + decision + " by the team that owns it: "
                            + "Task.owner must reference the receiving Organization",
                    "Task.owner");
        }
    }
}
